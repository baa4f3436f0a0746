//! RFC 9038 (unhandled namespaces), RFC 8590 (change poll) and structured
//! poll messages (`<msg>` is `mixedMsgType`), round-tripped against the
//! specifications' own examples: for each example response, the host
//! answers with the data the example carries, and libepp's response is
//! compared whole with the example (transaction ids aside; `<qDate>` and
//! the other dateTimes compared as instants, `<msg>` with its default
//! `lang="en"` made explicit or not). Every response is validated against
//! epp-1.0.xsd with xmllint (missing xmllint fails under `CI`).
//!
//! The examples are the RFCs' figures (RFC 9038 sections 3.1, 3.2, 5 and 6;
//! RFC 8590 section 3.1.1's poll messages), kept in the RFCs' `S:` layout,
//! and CZ.NIC FRED's poll messages (`<fred:requestFeeInfoData>`,
//! `<fred:lowCreditData>`, `<domain:impendingExpData>`).

mod common;
#[path = "common/xsd.rs"]
mod xsd;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use epp::{
    LoginAnswer, PollAnswer, PollMessage, Request, Response, Server, ServerConfig,
    ServerConfigBuilder, Session, SessionError, UNHANDLED_NAMESPACES_URI,
};

const CHANGE_POLL: &str = "urn:ietf:params:xml:ns:changePoll-1.0";
const RGP: &str = "urn:ietf:params:xml:ns:rgp-1.0";
const FRED: &str = "http://www.nic.cz/xml/epp/fred-1.5";
const FRED_DOMAIN: &str = "http://www.nic.cz/xml/epp/domain-1.4";
const FRED_CONTACT: &str = "http://www.nic.cz/xml/epp/contact-1.6";

// ---------------------------------------------------------------------------
// The examples
// ---------------------------------------------------------------------------

/// RFC 9038 section 3.1: an unhandled object-level extension. A transfer
/// poll message (RFC 5730 section 2.9.2.3) for a client that did not log in
/// with the domain namespace: `<domain:trnData>` moves from `<resData>` into
/// `<extValue>`, and `<resData>` goes.
const RFC9038_TRANSFER_POLL: &str = r#"
S:<?xml version="1.0" encoding="UTF-8" standalone="no"?>
S:<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
S:  <response>
S:    <result code="1301">
S:      <msg>Command completed successfully; ack to dequeue</msg>
S:      <extValue>
S:        <value>
S:          <domain:trnData
S:            xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
S:            <domain:name>example.com</domain:name>
S:            <domain:trStatus>pending</domain:trStatus>
S:            <domain:reID>ClientX</domain:reID>
S:            <domain:reDate>2000-06-06T22:00:00.0Z</domain:reDate>
S:            <domain:acID>ClientY</domain:acID>
S:            <domain:acDate>2000-06-11T22:00:00.0Z</domain:acDate>
S:            <domain:exDate>2002-09-08T22:00:00.0Z</domain:exDate>
S:          </domain:trnData>
S:        </value>
S:        <reason>urn:ietf:params:xml:ns:domain-1.0 not in login services</reason>
S:      </extValue>
S:    </result>
S:    <msgQ count="5" id="12345">
S:      <qDate>2000-06-08T22:00:00.0Z</qDate>
S:      <msg>Transfer requested.</msg>
S:    </msgQ>
S:    <trID>
S:      <clTRID>ABC-12345</clTRID>
S:      <svTRID>54322-XYZ</svTRID>
S:    </trID>
S:  </response>
S:</epp>
"#;

/// RFC 9038 section 3.2: an unhandled command-response extension. A domain
/// info response (RFC 5731) for a client that logged in with the domain
/// namespace but not secDNS-1.1 (RFC 5910): `<secDNS:infData>` moves from
/// `<extension>` into `<extValue>`, and `<extension>` goes.
const RFC9038_SECDNS_INFO: &str = r#"
S:<?xml version="1.0" encoding="UTF-8" standalone="no"?>
S:<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
S:  <response>
S:    <result code="1000">
S:      <msg>Command completed successfully</msg>
S:      <extValue>
S:        <value>
S:          <secDNS:infData
S:            xmlns:secDNS="urn:ietf:params:xml:ns:secDNS-1.1">
S:            <secDNS:dsData>
S:              <secDNS:keyTag>12345</secDNS:keyTag>
S:              <secDNS:alg>3</secDNS:alg>
S:              <secDNS:digestType>1</secDNS:digestType>
S:              <secDNS:digest>49FD46E6C4B45C55D4AC</secDNS:digest>
S:            </secDNS:dsData>
S:          </secDNS:infData>
S:        </value>
S:        <reason>urn:ietf:params:xml:ns:secDNS-1.1 not in login services</reason>
S:      </extValue>
S:    </result>
S:    <resData>
S:      <domain:infData
S:       xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
S:        <domain:name>example.com</domain:name>
S:        <domain:roid>EXAMPLE1-REP</domain:roid>
S:        <domain:status s="ok"/>
S:        <domain:registrant>jd1234</domain:registrant>
S:        <domain:contact type="admin">sh8013</domain:contact>
S:        <domain:contact type="tech">sh8013</domain:contact>
S:        <domain:ns>
S:          <domain:hostObj>ns1.example.com</domain:hostObj>
S:          <domain:hostObj>ns2.example.com</domain:hostObj>
S:        </domain:ns>
S:        <domain:host>ns1.example.com</domain:host>
S:        <domain:host>ns2.example.com</domain:host>
S:        <domain:clID>ClientX</domain:clID>
S:        <domain:crID>ClientY</domain:crID>
S:        <domain:crDate>1999-04-03T22:00:00.0Z</domain:crDate>
S:        <domain:upID>ClientX</domain:upID>
S:        <domain:upDate>1999-12-03T09:00:00.0Z</domain:upDate>
S:        <domain:exDate>2005-04-03T22:00:00.0Z</domain:exDate>
S:        <domain:trDate>2000-04-08T09:00:00.0Z</domain:trDate>
S:        <domain:authInfo>
S:          <domain:pw>2fooBAR</domain:pw>
S:        </domain:authInfo>
S:      </domain:infData>
S:    </resData>
S:    <trID>
S:      <clTRID>ABC-12345</clTRID>
S:      <svTRID>54322-XYZ</svTRID>
S:    </trID>
S:  </response>
S:</epp>
"#;

/// RFC 9038 section 5 (general EPP responses): a domain info response with
/// Redemption Grace Period data (RFC 3915) for a client that did not log in
/// with rgp-1.0.
const RFC9038_RGP_INFO: &str = r#"
S:<?xml version="1.0" encoding="UTF-8" standalone="no"?>
S:<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
S:  <response>
S:    <result code="1000">
S:      <msg>Command completed successfully</msg>
S:      <extValue>
S:        <value>
S:          <rgp:infData xmlns:rgp="urn:ietf:params:xml:ns:rgp-1.0">
S:            <rgp:rgpStatus s="redemptionPeriod"/>
S:          </rgp:infData>
S:        </value>
S:        <reason>urn:ietf:params:xml:ns:rgp-1.0 not in login services</reason>
S:      </extValue>
S:    </result>
S:    <resData>
S:      <domain:infData
S:        xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
S:        <domain:name>example.com</domain:name>
S:        <domain:roid>EXAMPLE1-REP</domain:roid>
S:        <domain:status s="pendingDelete"/>
S:        <domain:registrant>jd1234</domain:registrant>
S:        <domain:contact type="admin">sh8013</domain:contact>
S:        <domain:contact type="tech">sh8013</domain:contact>
S:        <domain:ns>
S:          <domain:hostObj>ns1.example.com</domain:hostObj>
S:          <domain:hostObj>ns1.example.net</domain:hostObj>
S:        </domain:ns>
S:        <domain:host>ns1.example.com</domain:host>
S:        <domain:host>ns2.example.com</domain:host>
S:        <domain:clID>ClientX</domain:clID>
S:        <domain:crID>ClientY</domain:crID>
S:        <domain:crDate>1999-04-03T22:00:00.0Z</domain:crDate>
S:        <domain:upID>ClientX</domain:upID>
S:        <domain:upDate>1999-12-03T09:00:00.0Z</domain:upDate>
S:        <domain:exDate>2005-04-03T22:00:00.0Z</domain:exDate>
S:        <domain:trDate>2000-04-08T09:00:00.0Z</domain:trDate>
S:        <domain:authInfo>
S:          <domain:pw>2fooBAR</domain:pw>
S:        </domain:authInfo>
S:      </domain:infData>
S:    </resData>
S:    <trID>
S:      <clTRID>ABC-12345</clTRID>
S:      <svTRID>54322-XYZ</svTRID>
S:    </trID>
S:  </response>
S:</epp>
"#;

/// RFC 9038 section 6 (poll messages): an RFC 8590 change poll message for
/// a client that logged in with the domain namespace but not changePoll-1.0:
/// `<changePoll:changeData>` moves into `<extValue>`, the domain data stays
/// in `<resData>`.
const RFC9038_CHANGE_POLL_UNHANDLED: &str = r#"
S:<?xml version="1.0" encoding="UTF-8" standalone="no"?>
S:<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
S:  <response>
S:    <result code="1301">
S:      <msg>Command completed successfully; ack to dequeue</msg>
S:      <extValue>
S:        <value>
S:          <changePoll:changeData
S:            xmlns:changePoll="urn:ietf:params:xml:ns:changePoll-1.0"
S:            state="after">
S:            <changePoll:operation>update</changePoll:operation>
S:            <changePoll:date>2013-10-22T14:25:57.0Z</changePoll:date>
S:            <changePoll:svTRID>12345-XYZ</changePoll:svTRID>
S:            <changePoll:who>URS Admin</changePoll:who>
S:            <changePoll:caseId type="urs">urs123</changePoll:caseId>
S:            <changePoll:reason>URS Lock</changePoll:reason>
S:          </changePoll:changeData>
S:        </value>
S:        <reason>urn:ietf:params:xml:ns:changePoll-1.0 not in login services</reason>
S:      </extValue>
S:    </result>
S:    <msgQ count="201" id="1">
S:      <qDate>2013-10-22T14:25:57.0Z</qDate>
S:      <msg>Registry initiated update of domain.</msg>
S:    </msgQ>
S:    <resData>
S:      <domain:infData
S:        xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
S:        <domain:name>domain.example</domain:name>
S:        <domain:roid>EXAMPLE1-REP</domain:roid>
S:        <domain:status s="ok"/>
S:        <domain:registrant>jd1234</domain:registrant>
S:        <domain:contact type="admin">sh8013</domain:contact>
S:        <domain:contact type="tech">sh8013</domain:contact>
S:        <domain:clID>ClientX</domain:clID>
S:        <domain:crID>ClientY</domain:crID>
S:        <domain:crDate>2012-04-03T22:00:00.0Z</domain:crDate>
S:        <domain:exDate>2014-04-03T22:00:00.0Z</domain:exDate>
S:      </domain:infData>
S:    </resData>
S:    <trID>
S:      <clTRID>ABC-12345</clTRID>
S:      <svTRID>54322-XYZ</svTRID>
S:    </trID>
S:  </response>
S:</epp>
"#;

/// RFC 9038 section 6: the same poll message for a client that logged in
/// with neither the domain namespace nor changePoll-1.0: both move, the
/// object-level extension first, into the one `<result>`.
const RFC9038_CHANGE_POLL_ALL_UNHANDLED: &str = r#"
S:<?xml version="1.0" encoding="UTF-8" standalone="no"?>
S:<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
S:  <response>
S:    <result code="1301">
S:      <msg>Command completed successfully; ack to dequeue</msg>
S:      <extValue>
S:        <value>
S:          <domain:infData
S:            xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
S:            <domain:name>domain.example</domain:name>
S:            <domain:roid>EXAMPLE1-REP</domain:roid>
S:            <domain:status s="ok"/>
S:            <domain:registrant>jd1234</domain:registrant>
S:            <domain:contact type="admin">sh8013</domain:contact>
S:            <domain:contact type="tech">sh8013</domain:contact>
S:            <domain:clID>ClientX</domain:clID>
S:            <domain:crID>ClientY</domain:crID>
S:            <domain:crDate>2012-04-03T22:00:00.0Z</domain:crDate>
S:            <domain:exDate>2014-04-03T22:00:00.0Z</domain:exDate>
S:          </domain:infData>
S:        </value>
S:        <reason>urn:ietf:params:xml:ns:domain-1.0 not in login services</reason>
S:      </extValue>
S:      <extValue>
S:        <value>
S:          <changePoll:changeData
S:            xmlns:changePoll="urn:ietf:params:xml:ns:changePoll-1.0"
S:            state="after">
S:            <changePoll:operation>update</changePoll:operation>
S:            <changePoll:date>2013-10-22T14:25:57.0Z</changePoll:date>
S:            <changePoll:svTRID>12345-XYZ</changePoll:svTRID>
S:            <changePoll:who>URS Admin</changePoll:who>
S:            <changePoll:caseId type="urs">urs123</changePoll:caseId>
S:            <changePoll:reason>URS Lock</changePoll:reason>
S:          </changePoll:changeData>
S:        </value>
S:        <reason>urn:ietf:params:xml:ns:changePoll-1.0 not in login services</reason>
S:      </extValue>
S:    </result>
S:    <msgQ count="201" id="1">
S:      <qDate>2013-10-22T14:25:57.0Z</qDate>
S:      <msg>Registry initiated update of domain.</msg>
S:    </msgQ>
S:    <trID>
S:      <clTRID>ABC-12345</clTRID>
S:      <svTRID>54322-XYZ</svTRID>
S:    </trID>
S:  </response>
S:</epp>
"#;

/// RFC 8590 section 3.1.1: a poll message with `<changePoll:changeData>` for
/// a URS lock, the "after" state in `<resData>`.
const RFC8590_URS_LOCK_AFTER: &str = r#"
S:<?xml version="1.0" encoding="UTF-8" standalone="no"?>
S:<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
S:  <response>
S:    <result code="1301">
S:      <msg>Command completed successfully; ack to dequeue</msg>
S:    </result>
S:    <msgQ count="201" id="1">
S:      <qDate>2013-10-22T14:25:57.0Z</qDate>
S:      <msg>Registry initiated update of domain.</msg>
S:    </msgQ>
S:    <resData>
S:      <domain:infData
S:        xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
S:        <domain:name>domain.example</domain:name>
S:        <domain:roid>EXAMPLE1-REP</domain:roid>
S:        <domain:status s="serverUpdateProhibited"/>
S:        <domain:status s="serverDeleteProhibited"/>
S:        <domain:status s="serverTransferProhibited"/>
S:        <domain:registrant>jd1234</domain:registrant>
S:        <domain:contact type="admin">sh8013</domain:contact>
S:        <domain:contact type="tech">sh8013</domain:contact>
S:        <domain:clID>ClientX</domain:clID>
S:        <domain:crID>ClientY</domain:crID>
S:        <domain:crDate>2012-04-03T22:00:00.0Z</domain:crDate>
S:        <domain:upID>ClientZ</domain:upID>
S:        <domain:upDate>2013-10-22T14:25:57.0Z</domain:upDate>
S:        <domain:exDate>2014-04-03T22:00:00.0Z</domain:exDate>
S:      </domain:infData>
S:    </resData>
S:    <extension>
S:      <changePoll:changeData
S:        xmlns:changePoll="urn:ietf:params:xml:ns:changePoll-1.0"
S:        state="after">
S:        <changePoll:operation>update</changePoll:operation>
S:        <changePoll:date>2013-10-22T14:25:57.0Z</changePoll:date>
S:        <changePoll:svTRID>12345-XYZ</changePoll:svTRID>
S:        <changePoll:who>URS Admin</changePoll:who>
S:        <changePoll:caseId type="urs">urs123</changePoll:caseId>
S:        <changePoll:reason>URS Lock</changePoll:reason>
S:      </changePoll:changeData>
S:    </extension>
S:    <trID>
S:      <clTRID>ABC-12345</clTRID>
S:      <svTRID>54322-XYZ</svTRID>
S:    </trID>
S:  </response>
S:</epp>
"#;

/// RFC 8590 section 3.1.1: a host update (the default "after" state, no
/// `state` attribute).
const RFC8590_HOST_UPDATE: &str = r#"
S:<?xml version="1.0" encoding="UTF-8" standalone="no"?>
S:<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
S:  <response>
S:    <result code="1301">
S:      <msg>Command completed successfully; ack to dequeue</msg>
S:    </result>
S:    <msgQ count="201" id="1">
S:      <qDate>2013-10-22T14:25:57.0Z</qDate>
S:      <msg>Registry initiated update of host.</msg>
S:    </msgQ>
S:    <resData>
S:      <host:infData
S:        xmlns:host="urn:ietf:params:xml:ns:host-1.0">
S:        <host:name>ns1.domain.example</host:name>
S:        <host:roid>NS1_EXAMPLE1-REP</host:roid>
S:        <host:status s="linked"/>
S:        <host:status s="serverUpdateProhibited"/>
S:        <host:status s="serverDeleteProhibited"/>
S:        <host:addr ip="v4">192.0.2.2</host:addr>
S:        <host:addr ip="v6">2001:db8:0:0:1:0:0:1</host:addr>
S:        <host:clID>ClientX</host:clID>
S:        <host:crID>ClientY</host:crID>
S:        <host:crDate>2012-04-03T22:00:00.0Z</host:crDate>
S:        <host:upID>ClientY</host:upID>
S:        <host:upDate>2013-10-22T14:25:57.0Z</host:upDate>
S:      </host:infData>
S:    </resData>
S:    <extension>
S:      <changePoll:changeData
S:        xmlns:changePoll="urn:ietf:params:xml:ns:changePoll-1.0">
S:        <changePoll:operation>update</changePoll:operation>
S:        <changePoll:date>2013-10-22T14:25:57.0Z</changePoll:date>
S:        <changePoll:svTRID>12345-XYZ</changePoll:svTRID>
S:        <changePoll:who>ClientZ</changePoll:who>
S:        <changePoll:reason>Host Lock</changePoll:reason>
S:      </changePoll:changeData>
S:    </extension>
S:    <trID>
S:      <clTRID>ABC-12345</clTRID>
S:      <svTRID>54322-XYZ</svTRID>
S:    </trID>
S:  </response>
S:</epp>
"#;

/// RFC 8590 section 3.1.1: a delete with immediate purge, the "before"
/// state in `<resData>`.
const RFC8590_DELETE_PURGE_BEFORE: &str = r#"
S:<?xml version="1.0" encoding="UTF-8" standalone="no"?>
S:<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
S:  <response>
S:    <result code="1301">
S:      <msg>Command completed successfully; ack to dequeue</msg>
S:    </result>
S:    <msgQ count="1" id="200">
S:      <qDate>2013-10-22T14:25:57.0Z</qDate>
S:      <msg>Registry initiated delete of
S:        domain resulting in immediate purge.</msg>
S:    </msgQ>
S:    <resData>
S:      <domain:infData
S:        xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
S:        <domain:name>domain.example</domain:name>
S:        <domain:roid>EXAMPLE1-REP</domain:roid>
S:        <domain:clID>ClientX</domain:clID>
S:      </domain:infData>
S:    </resData>
S:    <extension>
S:      <changePoll:changeData
S:        xmlns:changePoll="urn:ietf:params:xml:ns:changePoll-1.0"
S:        state="before">
S:        <changePoll:operation op="purge">delete</changePoll:operation>
S:        <changePoll:date>2013-10-22T14:25:57.0Z</changePoll:date>
S:        <changePoll:svTRID>12345-XYZ</changePoll:svTRID>
S:        <changePoll:who>ClientZ</changePoll:who>
S:        <changePoll:reason>Court order</changePoll:reason>
S:      </changePoll:changeData>
S:    </extension>
S:    <trID>
S:      <clTRID>ABC-12345</clTRID>
S:      <svTRID>54322-XYZ</svTRID>
S:    </trID>
S:  </response>
S:</epp>
"#;

/// CZ.NIC FRED: a request usage report, structured content of `<msg>`
/// (`../shared/seeds`, the poll request section).
const FRED_REQUEST_FEE_INFO: &str = r#"
<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xsi:schemaLocation="urn:ietf:params:xml:ns:epp-1.0 epp-1.0.xsd">
   <response>
      <result code="1301">
         <msg>Command completed successfully; ack to dequeue</msg>
      </result>
      <msgQ count="7" id="19596173">
         <qDate>2017-07-15T01:18:13+02:00</qDate>
         <msg>
            <fred:requestFeeInfoData xmlns:fred="http://www.nic.cz/xml/epp/fred-1.5">
               <fred:periodFrom>2017-07-01T00:00:00+02:00</fred:periodFrom>
               <fred:periodTo>2017-07-14T23:59:59+02:00</fred:periodTo>
               <fred:totalFreeCount>25000</fred:totalFreeCount>
               <fred:usedCount>120</fred:usedCount>
               <fred:price>0.00</fred:price>
            </fred:requestFeeInfoData>
         </msg>
      </msgQ>
      <trID>
         <clTRID>cmmp002#17-07-21at11:19:09</clTRID>
         <svTRID>ReqID-0000140400</svTRID>
      </trID>
   </response>
</epp>
"#;

/// CZ.NIC FRED: a low credit notice (FRED's EPP reference, poll message
/// types), its `xsi:schemaLocation` relying on the envelope's `xsi`.
const FRED_LOW_CREDIT: &str = r#"
<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
 xsi:schemaLocation="urn:ietf:params:xml:ns:epp-1.0 epp-1.0.xsd">
   <response>
      <result code="1301">
         <msg>Command completed successfully; ack to dequeue</msg>
      </result>
      <msgQ count="1" id="19681433">
         <qDate>2017-07-25T15:03:43+02:00</qDate>
         <msg>
            <fred:lowCreditData xmlns:fred="http://www.nic.cz/xml/epp/fred-1.5"
             xsi:schemaLocation="http://www.nic.cz/xml/epp/fred-1.5 fred-1.5.0.xsd">
               <fred:zone>cz</fred:zone>
               <fred:limit>
                  <fred:zone>cz</fred:zone>
                  <fred:credit>5000.00</fred:credit>
               </fred:limit>
               <fred:credit>
                  <fred:zone>cz</fred:zone>
                  <fred:credit>4999.00</fred:credit>
               </fred:credit>
            </fred:lowCreditData>
         </msg>
      </msgQ>
      <trID>
         <clTRID>fwpn006#17-07-25at16:04:34</clTRID>
         <svTRID>ReqID-0000140888</svTRID>
      </trID>
   </response>
</epp>
"#;

/// CZ.NIC FRED: an impending expiration notice, in FRED's domain object
/// namespace (an objURI, not an extURI).
const FRED_IMPENDING_EXP: &str = r#"
<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
   <response>
      <result code="1301">
         <msg>Command completed successfully; ack to dequeue</msg>
      </result>
      <msgQ count="1" id="19690946">
         <qDate>2017-07-27T12:13:55+02:00</qDate>
         <msg>
            <domain:impendingExpData xmlns:domain="http://www.nic.cz/xml/epp/domain-1.4">
               <domain:name>somedomain.cz</domain:name>
               <domain:exDate>2017-08-26</domain:exDate>
            </domain:impendingExpData>
         </msg>
      </msgQ>
      <trID>
         <clTRID>lelg003#17-07-27at12:42:33</clTRID>
         <svTRID>ReqID-0000140944</svTRID>
      </trID>
   </response>
</epp>
"#;

// ---------------------------------------------------------------------------
// Reading the examples
// ---------------------------------------------------------------------------

/// One line of XML from an example: the `S:` prefixes and the indentation
/// go, lines are joined with a space (a line break inside a tag is a
/// space), whitespace between tags goes.
fn flatten(example: &str) -> String {
    let joined: Vec<&str> = example
        .lines()
        .map(|l| {
            let l = l.trim();
            l.strip_prefix("S:").map_or(l, str::trim)
        })
        .filter(|l| !l.is_empty())
        .collect();
    let s = joined.join(" ");
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            // Collapse a run; drop it after '>' and before '>', '/>' or '<'.
            while chars.peek().is_some_and(|n| n.is_whitespace()) {
                chars.next();
            }
            let next = chars.peek().copied();
            if out.ends_with('>') || matches!(next, Some('>' | '/' | '<')) {
                continue;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// `flatten`, then the parts that may differ without changing what the
/// response says: the whole `<trID>`, dateTime lexical forms (compared as
/// instants in UTC), the default `lang="en"` of `<msg>`, and the
/// namespace declarations of the envelope that only an XSD hint uses.
fn canonical(xml: &str) -> String {
    let mut s = flatten(xml);
    let (i, j) = (
        s.find("<trID>").expect("a trID"),
        s.find("</trID>").expect("a trID") + 7,
    );
    s.replace_range(i..j, "<trID/>");
    s = s.replace("<msg lang=\"en\">", "<msg>");
    s = s.replace(r#"<?xml version="1.0" encoding="UTF-8"?>"#, "");
    s = s.replace(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#,
        "",
    );
    s = s.replace(
        r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:ietf:params:xml:ns:epp-1.0 epp-1.0.xsd">"#,
        r#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">"#,
    );
    canonical_date_times(&s)
}

/// Rewrites every `YYYY-MM-DDThh:mm:ss[.f][Z|±hh:mm]` as the same instant
/// in UTC with no zero fraction digits.
fn canonical_date_times(s: &str) -> String {
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| -> Option<i64> {
        let part = s.get(from..from + n)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let parsed = (|| {
            let (y, mo, d) = (digits(i, 4)?, digits(i + 5, 2)?, digits(i + 8, 2)?);
            let (h, mi, se) = (digits(i + 11, 2)?, digits(i + 14, 2)?, digits(i + 17, 2)?);
            if (b[i + 4], b[i + 7], b[i + 10], b[i + 13], b[i + 16])
                != (b'-', b'-', b'T', b':', b':')
            {
                return None;
            }
            let mut k = i + 19;
            let mut frac = String::new();
            if b.get(k) == Some(&b'.') {
                k += 1;
                while b.get(k).is_some_and(u8::is_ascii_digit) {
                    frac.push(b[k] as char);
                    k += 1;
                }
            }
            let offset = match b.get(k) {
                Some(b'Z') => {
                    k += 1;
                    0
                }
                Some(&sign @ (b'+' | b'-')) => {
                    let (oh, om) = (digits(k + 1, 2)?, digits(k + 4, 2)?);
                    k += 6;
                    let m = oh * 60 + om;
                    if sign == b'+' {
                        m
                    } else {
                        -m
                    }
                }
                _ => return None,
            };
            let days = days_from_civil(y, mo, d);
            let secs = days * 86_400 + h * 3600 + mi * 60 + se - offset * 60;
            let t = UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?);
            let mut text = epp::format_rfc3339(t);
            // format_rfc3339 writes milliseconds; the fraction is the input's.
            text.truncate(19);
            let frac = frac.trim_end_matches('0');
            if !frac.is_empty() {
                text.push('.');
                text.push_str(frac);
            }
            text.push('Z');
            Some((text, k))
        })();
        match parsed {
            Some((text, next)) => {
                out.push_str(&text);
                i = next;
            }
            None => {
                let c = s[i..].chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The instant an RFC 3339 date in an example stands for.
fn instant_of(date: &str) -> SystemTime {
    let c = canonical_date_times(date);
    let y: i64 = c[0..4].parse().unwrap();
    let (mo, d): (i64, i64) = (c[5..7].parse().unwrap(), c[8..10].parse().unwrap());
    let (h, mi, s): (i64, i64, i64) = (
        c[11..13].parse().unwrap(),
        c[14..16].parse().unwrap(),
        c[17..19].parse().unwrap(),
    );
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
    UNIX_EPOCH + Duration::from_secs(secs as u64)
}

/// The first element `<{qname} ...>...</{qname}>` of an example, on one
/// line: what the host hands over.
fn element(example: &str, qname: &str) -> String {
    let s = flatten(example);
    let open = format!("<{qname}");
    let i = s
        .match_indices(&open)
        .map(|(i, _)| i)
        .find(|&i| matches!(s.as_bytes()[i + open.len()], b' ' | b'>' | b'/'))
        .unwrap_or_else(|| panic!("no <{qname}> in the example"));
    let close = format!("</{qname}>");
    let j = s[i..].find(&close).expect("closed") + i + close.len();
    s[i..j].to_string()
}

/// The text of the first `<{name}>` of an example.
fn text(example: &str, name: &str) -> String {
    let s = flatten(example);
    let open = format!("<{name}>");
    let i = s.find(&open).unwrap_or_else(|| panic!("no <{name}>")) + open.len();
    let j = s[i..].find('<').unwrap() + i;
    s[i..j].to_string()
}

/// msgQ@count and msgQ@id of an example.
fn msg_q(example: &str) -> (u64, u64) {
    let s = flatten(example);
    let attr = |name: &str| -> u64 {
        let key = format!(" {name}=\"");
        let q = s.find("<msgQ ").unwrap();
        let i = s[q..].find(&key).unwrap() + q + key.len();
        let j = s[i..].find('"').unwrap() + i;
        s[i..j].parse().unwrap()
    };
    (attr("count"), attr("id"))
}

/// The poll message an example's `<msgQ>` describes, with the text of
/// its `<msg>`.
fn poll_message(example: &str) -> PollMessage {
    let (count, id) = msg_q(example);
    let s = flatten(example);
    let q = s.find("<msgQ ").unwrap();
    let i = s[q..]
        .match_indices("<msg")
        .map(|(i, _)| i + q)
        .find(|&i| matches!(s.as_bytes()[i + 4], b'>' | b' '))
        .unwrap();
    let i = s[i..].find('>').unwrap() + i + 1;
    let j = s[i..].find('<').unwrap() + i;
    PollMessage::new(id, count, instant_of(&text(example, "qDate")), &s[i..j])
}

#[track_caller]
fn assert_example(got: &str, example: &str) {
    let (g, e) = (canonical(got), canonical(example));
    assert_eq!(
        g,
        e,
        "\nlibepp's response, whole:\n{got}\n\nthe example, whole:\n{}\n",
        flatten(example)
    );
}

// ---------------------------------------------------------------------------
// Schema validation (xmllint, epp-1.0.xsd)
// ---------------------------------------------------------------------------

/// The object and extension elements the responses carry in `<resData>`
/// and `<extension>` (strict wildcards there), declared as `anyType`.
/// `<value>` and `<msg>` content is `processContents="skip"`.
const STUBS: &[(&str, &[&str])] = &[
    (DOMAIN, &["infData", "trnData"]),
    (HOST, &["infData"]),
    (SECDNS, &["infData"]),
    (CHANGE_POLL, &["changeData"]),
    (RGP, &["infData"]),
    ("urn:example:ext-1.0", &["data"]),
];

static SCHEMA: OnceLock<Option<xsd::Schema>> = OnceLock::new();

/// Validates frames against epp-1.0.xsd (and the stubs of [`STUBS`]).
fn validate(frames: &[String]) {
    let schema = SCHEMA.get_or_init(|| {
        xsd::xmllint_available("responses against epp-1.0.xsd")
            .then(|| xsd::Schema::new("unhandled-namespaces", &xsd::epp_xsd(), &[], STUBS))
    });
    if let Some(schema) = schema {
        schema.assert_valid(frames, "responses");
    }
}

// ---------------------------------------------------------------------------
// A client
// ---------------------------------------------------------------------------

/// The test server: domain, host and contact; secDNS, RGP, changePoll and
/// FRED's extension; RFC 9038 offered.
fn builder() -> ServerConfigBuilder {
    let mut b = ServerConfig::builder("libepp test server");
    b.object_uri(DOMAIN)
        .object_uri(HOST)
        .object_uri(CONTACT)
        .object_uri(FRED_DOMAIN)
        .object_uri(FRED_CONTACT)
        .extension_uri(SECDNS)
        .extension_uri(RGP)
        .extension_uri(CHANGE_POLL)
        .extension_uri(FRED)
        .unhandled_namespaces(true)
        .sv_trid_epoch(7);
    b
}

/// One session; every frame it writes is kept and validated on drop.
struct Client {
    s: Session,
    frames: Vec<String>,
}

impl Drop for Client {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            validate(&self.frames);
        }
    }
}

impl Client {
    fn new(server: Arc<Server>) -> Client {
        let mut c = Client {
            s: Session::new(server, t0()),
            frames: Vec::new(),
        };
        c.take();
        c
    }

    /// Logged in with these services.
    fn logged_in(objs: &[&str], exts: &[&str]) -> Client {
        let mut c = Client::new(Server::new(builder().build().unwrap(), t0()));
        let r = c.login(objs, exts);
        assert_eq!(code_of(&r), 1000, "{r}");
        c
    }

    fn login(&mut self, objs: &[&str], exts: &[&str]) -> String {
        let mut svcs: String = objs
            .iter()
            .map(|o| format!("<objURI>{o}</objURI>"))
            .collect();
        if !exts.is_empty() {
            svcs.push_str("<svcExtension>");
            for x in exts {
                svcs.push_str(&format!("<extURI>{x}</extURI>"));
            }
            svcs.push_str("</svcExtension>");
        }
        self.send(&cmd(
            &format!(
                "<login><clID>registrar1</clID><pw>secret-pw1</pw><options><version>1.0</version>\
                 <lang>en</lang></options><svcs>{svcs}</svcs></login>"
            ),
            Some("LOGIN-1"),
        ));
        if let Some(Request::Login(l)) = self.s.poll_queue() {
            assert_eq!(l.extension_uris, exts);
            self.s.answer_login(l.id, LoginAnswer::Accepted).unwrap();
        }
        self.one()
    }

    fn send(&mut self, xml: &str) {
        self.s.feed_input(&frame(xml), t0()).unwrap();
    }

    fn take(&mut self) -> Vec<String> {
        let v = self
            .s
            .take_output()
            .map(|o| unframe(&o))
            .unwrap_or_default();
        self.frames.extend(v.iter().cloned());
        v
    }

    fn one(&mut self) -> String {
        let v = self.take();
        assert_eq!(v.len(), 1, "{v:?}");
        v.into_iter().next().unwrap()
    }

    /// A poll request answered with `m`.
    fn poll(&mut self, m: PollMessage) -> String {
        self.send(&poll_req_xml(Some("ABC-12345")));
        let Some(Request::Poll(p)) = self.s.poll_queue() else {
            panic!("no poll request")
        };
        self.s.answer_poll(p.id, PollAnswer::Message(m)).unwrap();
        self.one()
    }

    /// A domain info answered with `r`.
    fn info(&mut self, r: Response) -> String {
        self.send(&cmd(
            &format!(
                r#"<info><domain:info xmlns:domain="{DOMAIN}"><domain:name hosts="all">example.com</domain:name></domain:info></info>"#
            ),
            Some("ABC-12345"),
        ));
        let Some(Request::Command(c)) = self.s.poll_queue() else {
            panic!("no command request")
        };
        self.s.answer_command(c.id, r).unwrap();
        self.one()
    }
}

const WITH_RFC9038: &[&str] = &[UNHANDLED_NAMESPACES_URI];

// ---------------------------------------------------------------------------
// Signalling (RFC 9038 section 4)
// ---------------------------------------------------------------------------

#[test]
fn greeting_offers_the_unhandled_namespaces_uri_and_login_accepts_it() {
    let config = builder().build().unwrap();
    assert!(config.unhandled_namespaces());
    assert_eq!(
        config.extension_uris().last().map(String::as_str),
        Some(UNHANDLED_NAMESPACES_URI)
    );
    let mut c = Client::new(Server::new(config, t0()));
    c.send(&hello_xml());
    let g = c.one();
    assert!(
        g.contains(&format!(
            "<extURI>{FRED}</extURI><extURI>{UNHANDLED_NAMESPACES_URI}</extURI></svcExtension>"
        )),
        "{g}"
    );
    let r = c.login(&[DOMAIN], WITH_RFC9038);
    assert_eq!(code_of(&r), 1000, "{r}");

    // Listed by hand as well: announced once.
    let mut b = builder();
    b.extension_uri(UNHANDLED_NAMESPACES_URI);
    let config = b.build().unwrap();
    let n = config
        .extension_uris()
        .iter()
        .filter(|u| *u == UNHANDLED_NAMESPACES_URI)
        .count();
    assert_eq!(n, 1);
}

#[test]
fn not_offered_by_default_so_a_login_asking_for_it_is_2103() {
    let mut b = builder();
    b.unhandled_namespaces(false);
    let config = b.build().unwrap();
    assert!(!config.unhandled_namespaces());
    assert!(!config.greeting_xml(t0()).contains(UNHANDLED_NAMESPACES_URI));
    let mut c = Client::new(Server::new(config, t0()));
    let r = c.login(&[DOMAIN], WITH_RFC9038);
    assert_eq!(code_of(&r), 2103, "{r}");
    assert!(r.contains(&format!("<extURI>{UNHANDLED_NAMESPACES_URI}</extURI>")));
}

// ---------------------------------------------------------------------------
// RFC 9038's examples
// ---------------------------------------------------------------------------

#[test]
fn rfc9038_unhandled_object_level_extension_in_a_transfer_poll_message() {
    let ex = RFC9038_TRANSFER_POLL;
    let mut c = Client::logged_in(&[CONTACT], WITH_RFC9038);
    let m = PollMessage {
        res_data: Some(element(ex, "domain:trnData")),
        ..poll_message(ex)
    };
    assert_example(&c.poll(m), ex);
}

#[test]
fn rfc9038_unhandled_command_response_extension_in_a_domain_info_response() {
    let ex = RFC9038_SECDNS_INFO;
    let mut c = Client::logged_in(&[DOMAIN], WITH_RFC9038);
    let r = Response::success()
        .with_res_data(element(ex, "domain:infData"))
        .with_extension(element(ex, "secDNS:infData"));
    assert_example(&c.info(r), ex);
}

#[test]
fn rfc9038_general_response_with_unhandled_rgp_data() {
    let ex = RFC9038_RGP_INFO;
    let mut c = Client::logged_in(&[DOMAIN], &[SECDNS, UNHANDLED_NAMESPACES_URI]);
    let r = Response::success()
        .with_res_data(element(ex, "domain:infData"))
        .with_extension(element(ex, "rgp:infData"));
    assert_example(&c.info(r), ex);
}

#[test]
fn rfc9038_change_poll_message_with_unhandled_change_poll_extension() {
    let ex = RFC9038_CHANGE_POLL_UNHANDLED;
    let mut c = Client::logged_in(&[DOMAIN], WITH_RFC9038);
    let m = PollMessage {
        res_data: Some(element(ex, "domain:infData")),
        extension: Some(element(ex, "changePoll:changeData")),
        ..poll_message(ex)
    };
    assert_example(&c.poll(m), ex);
}

#[test]
fn rfc9038_change_poll_message_with_everything_unhandled() {
    let ex = RFC9038_CHANGE_POLL_ALL_UNHANDLED;
    let mut c = Client::logged_in(&[HOST], WITH_RFC9038);
    let m = PollMessage {
        res_data: Some(element(ex, "domain:infData")),
        extension: Some(element(ex, "changePoll:changeData")),
        ..poll_message(ex)
    };
    assert_example(&c.poll(m), ex);
}

#[test]
fn only_the_first_result_gets_the_moved_content() {
    // RFC 9038 section 5: a response with several results carries the
    // unhandled namespaces in the first.
    let mut c = Client::logged_in(&[DOMAIN], WITH_RFC9038);
    let secdns = element(RFC9038_SECDNS_INFO, "secDNS:infData");
    let r = Response::new(epp::ResultCode::Success)
        .with_result(epp::EppResult::new(epp::ResultCode::Success))
        .with_extension(secdns.clone());
    let got = c.info(r);
    let first = got.find("</result>").unwrap();
    assert!(got[..first].contains(&secdns), "{got}");
    assert_eq!(got.matches("<extValue>").count(), 1, "{got}");
}

#[test]
fn namespace_declarations_travel_inside_value() {
    // RFC 9038 section 3: the unhandled namespace is declared in the
    // element inside <value>. An element whose unprefixed children are in
    // no namespace keeps that meaning inside our envelope (whose default
    // namespace is EPP's): libepp undeclares the default on it.
    let mut c = Client::logged_in(&[HOST], WITH_RFC9038);
    let m = PollMessage {
        res_data: Some(format!(
            r#"<domain:panData xmlns:domain="{DOMAIN}"><domain:name paResult="1">example.com</domain:name><domain:paDate>1999-04-04T22:00:00.0Z</domain:paDate></domain:panData>"#
        )),
        extension: Some(
            r#"<x:data xmlns:x="urn:example:ext-1.0"><plain>1</plain></x:data>"#.into(),
        ),
        ..PollMessage::new(1, 1, t0(), "Pending action completed successfully.")
    };
    let r = c.poll(m);
    assert!(
        r.contains(&format!(
            r#"<extValue><value><domain:panData xmlns:domain="{DOMAIN}">"#
        )),
        "{r}"
    );
    assert!(r.contains(&format!("<reason>{DOMAIN} not in login services</reason>")));
    assert!(
        r.contains(r#"<extValue><value><x:data xmlns="" xmlns:x="urn:example:ext-1.0"><plain>1</plain></x:data></value><reason>urn:example:ext-1.0 not in login services</reason></extValue>"#),
        "{r}"
    );
    assert!(
        !r.contains("<resData>") && !r.contains("<extension>"),
        "{r}"
    );
}

// ---------------------------------------------------------------------------
// A client that did not log in with the unhandled-namespaces extURI
// ---------------------------------------------------------------------------

#[test]
fn a_client_without_rfc9038_gets_the_same_moves() {
    // libepp never sends content outside the login services, and never
    // drops the host's data: the RFC 9038 form is valid RFC 5730 for any
    // client (<value> content is not processed), so it is used for every
    // client, whether it signalled support or not.
    for (ex, objs) in [
        (RFC9038_CHANGE_POLL_ALL_UNHANDLED, &[HOST][..]),
        (RFC9038_CHANGE_POLL_UNHANDLED, &[DOMAIN][..]),
    ] {
        let mut c = Client::logged_in(objs, &[]);
        let m = PollMessage {
            res_data: Some(element(ex, "domain:infData")),
            extension: Some(element(ex, "changePoll:changeData")),
            ..poll_message(ex)
        };
        assert_example(&c.poll(m), ex);
    }
    let ex = RFC9038_SECDNS_INFO;
    let mut c = Client::logged_in(&[DOMAIN], &[]);
    let r = Response::success()
        .with_res_data(element(ex, "domain:infData"))
        .with_extension(element(ex, "secDNS:infData"));
    assert_example(&c.info(r), ex);
}

// ---------------------------------------------------------------------------
// RFC 8590: change poll
// ---------------------------------------------------------------------------

#[test]
fn rfc8590_change_poll_messages_pass_through_unmodified_when_logged_in() {
    for (ex, object, objs) in [
        (RFC8590_URS_LOCK_AFTER, "domain:infData", &[DOMAIN][..]),
        (RFC8590_HOST_UPDATE, "host:infData", &[HOST][..]),
        (RFC8590_DELETE_PURGE_BEFORE, "domain:infData", &[DOMAIN][..]),
    ] {
        let mut c = Client::logged_in(objs, &[CHANGE_POLL]);
        let change = element(ex, "changePoll:changeData");
        let m = PollMessage {
            res_data: Some(element(ex, object)),
            extension: Some(change.clone()),
            ..poll_message(ex)
        };
        let r = c.poll(m);
        assert_example(&r, ex);
        // Byte for byte, not just equivalent.
        assert!(
            r.contains(&format!("<extension>{change}</extension>")),
            "{r}"
        );
    }
}

#[test]
fn rfc8590_change_poll_moves_when_not_logged_in() {
    // The URS lock message for a client with the domain namespace and
    // RFC 9038 but not changePoll: RFC 9038 section 6's form.
    let ex = RFC8590_URS_LOCK_AFTER;
    let mut c = Client::logged_in(&[DOMAIN], WITH_RFC9038);
    let change = element(ex, "changePoll:changeData");
    let m = PollMessage {
        res_data: Some(element(ex, "domain:infData")),
        extension: Some(change.clone()),
        ..poll_message(ex)
    };
    let r = c.poll(m);
    assert!(r.contains(&format!(
        "<extValue><value>{change}</value><reason>{CHANGE_POLL} not in login services</reason></extValue></result>"
    )), "{r}");
    assert!(!r.contains("<extension>"), "{r}");
    assert!(r.contains("<resData><domain:infData"), "{r}");
}

// ---------------------------------------------------------------------------
// Structured poll messages (<msg> is mixedMsgType): CZ.NIC FRED
// ---------------------------------------------------------------------------

#[test]
fn fred_structured_messages_stay_in_msg_for_their_services() {
    for (ex, qname) in [
        (FRED_REQUEST_FEE_INFO, "fred:requestFeeInfoData"),
        (FRED_IMPENDING_EXP, "domain:impendingExpData"),
    ] {
        let mut c = Client::logged_in(&[FRED_DOMAIN, FRED_CONTACT], &[FRED]);
        let m = poll_message(ex).with_msg_xml(element(ex, qname));
        assert_example(&c.poll(m), ex);
    }
}

#[test]
fn fred_low_credit_with_its_schema_location_hint_stands_alone() {
    // The example's element uses the envelope's xsi prefix: the host's XML
    // must declare it, and libepp writes it as given.
    let ex = FRED_LOW_CREDIT;
    let mut c = Client::logged_in(&[FRED_DOMAIN], &[FRED]);
    let xml = element(ex, "fred:lowCreditData").replacen(
        "<fred:lowCreditData ",
        r#"<fred:lowCreditData xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
        1,
    );
    let r = c.poll(poll_message(ex).with_msg_xml(xml.clone()));
    assert!(r.contains(&format!("<msg lang=\"en\">{xml}</msg>")), "{r}");
    // Without the declaration the element does not stand alone: refused.
    c.send(&poll_req_xml(None));
    let Some(Request::Poll(p)) = c.s.poll_queue() else {
        panic!()
    };
    let m = poll_message(ex).with_msg_xml(element(ex, "fred:lowCreditData"));
    let e = c.s.answer_poll(p.id, PollAnswer::Message(m)).unwrap_err();
    assert!(
        matches!(e, SessionError::InvalidXml { field: "msg", .. }),
        "{e}"
    );
    c.s.answer_poll(p.id, PollAnswer::Empty).unwrap();
    assert_eq!(code_of(&c.one()), 1300);
}

#[test]
fn fred_structured_message_moves_when_its_namespace_was_not_logged_in() {
    let ex = FRED_LOW_CREDIT;
    let mut c = Client::logged_in(&[FRED_DOMAIN], &[]);
    let xml = element(ex, "fred:lowCreditData").replacen(
        "<fred:lowCreditData ",
        r#"<fred:lowCreditData xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
        1,
    );
    let m = PollMessage::new(
        19681433,
        1,
        instant_of("2017-07-25T15:03:43+02:00"),
        "Low credit",
    )
    .with_msg_xml(xml.clone());
    let r = c.poll(m);
    assert!(
        r.contains(&format!(
            "<extValue><value>{xml}</value><reason>{FRED} not in login services</reason></extValue></result>"
        )),
        "{r}"
    );
    assert!(r.contains("<msg lang=\"en\">Low credit</msg>"), "{r}");
}

#[test]
fn msg_text_and_elements_mix_and_moves_keep_document_order() {
    // <msg> content first, then resData, then extension.
    let mut c = Client::logged_in(&[HOST], &[]);
    let fee = element(FRED_REQUEST_FEE_INFO, "fred:requestFeeInfoData");
    let trn = element(RFC9038_TRANSFER_POLL, "domain:trnData");
    let change = element(RFC8590_URS_LOCK_AFTER, "changePoll:changeData");
    let m = PollMessage {
        res_data: Some(trn.clone()),
        extension: Some(change.clone()),
        ..PollMessage::new(3, 3, t0(), "a & b").with_msg_xml(fee.clone())
    };
    let r = c.poll(m);
    let (a, b, d) = (
        r.find(&fee).unwrap(),
        r.find(&trn).unwrap(),
        r.find(&change).unwrap(),
    );
    assert!(a < b && b < d, "{r}");
    assert!(r.contains("<msg lang=\"en\">a &amp; b</msg>"), "{r}");

    // Kept: text then the elements, inside <msg>.
    let mut c = Client::logged_in(&[HOST], &[FRED]);
    let r = c.poll(PollMessage::new(4, 1, t0(), "usage").with_msg_xml(fee.clone()));
    assert!(
        r.contains(&format!("<msg lang=\"en\">usage{fee}</msg>")),
        "{r}"
    );
}

#[test]
fn msg_xml_must_be_namespaced_elements() {
    let mut c = Client::logged_in(&[DOMAIN], &[]);
    for bad in [
        "plain text",
        "<unqualified/>",
        "<a:b>",
        "<x:y xmlns:x=\"urn:x\"/>text",
        "<!DOCTYPE x><x:y xmlns:x=\"urn:x\"/>",
    ] {
        c.send(&poll_req_xml(None));
        let Some(Request::Poll(p)) = c.s.poll_queue() else {
            panic!()
        };
        let e =
            c.s.answer_poll(
                p.id,
                PollAnswer::Message(PollMessage::new(1, 1, t0(), "x").with_msg_xml(bad)),
            )
            .unwrap_err();
        assert!(
            matches!(e, SessionError::InvalidXml { field: "msg", .. }),
            "{bad}: {e}"
        );
        c.s.answer_poll(p.id, PollAnswer::Empty).unwrap();
        assert_eq!(code_of(&c.one()), 1300);
    }
}
