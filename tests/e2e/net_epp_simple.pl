#!/usr/bin/perl
# End-to-end check of an EPP server with Net::EPP::Simple (Debian: libnet-epp-perl),
# over TLS when E2E_CA_FILE names the CA file to trust (verify => 1, ca_file), else over
# plain TCP (no_ssl => 1).
#
# usage: [E2E_CA_FILE=ca.pem] [E2E_DOMAIN=name.example] net_epp_simple.pl HOST PORT CLID PASSWORD
#        MSG1 [MSG2]
#
# The library is used as shipped: Net::EPP::Simple->new connects, reads the greeting and logs
# in by itself (announcing the greeting's own objURIs/extURIs), and stamps every <command> with
# its own clTRID (sha1_hex of class name, time and pid). A thin subclass only OBSERVES what goes
# over the wire (the frame sent and the raw response bytes) so the clTRID echo can be checked;
# it changes nothing that is sent. Net::EPP::Simple has no poll method, so poll req/ack are
# sent through its request() with Net::EPP::Frame::Command::Poll::{Req,Ack} frames.
#
# Session: greeting, login (1000), hello via ping() (greeting), [with E2E_DOMAIN, a server with
# RFC 5731 domains such as eppd --demo's sandbox: check_domain (available), create_domain (1000,
# creData), check_domain (taken), domain_info (every field back), create_domain again (2302)],
# poll req (1301, MSG1),
# poll ack (1000, count-1), poll req (1301 MSG2, or 1300 when no MSG2), logout (1500).
# One line per step on stdout; on any mismatch a "FAIL ..." line and exit status 1.
# Exit status 2 for usage errors or a missing Perl module. Each read is bounded by the
# library's own alarm (E2E_TIMEOUT seconds, default 10); Net::EPP::Simple uses alarm()
# itself, so this script cannot set a global one - the caller bounds the whole run.

package E2E::Simple;
use strict;
use warnings;

BEGIN {
	for my $mod (qw(Net::EPP::Simple XML::LibXML)) {
		if (!eval "require $mod; 1") {
			print "FAIL net_epp_simple: Perl module $mod is not installed "
				. "(Debian: apt-get install libnet-epp-perl): $@\n";
			exit 2;
		}
	}
}
our @ISA = ('Net::EPP::Simple');

# Net::EPP::Client::get_frame passes every raw frame through here before parsing it.
sub get_return_value {
	my ($self, $xml) = @_;
	$self->{e2e_last_raw} = $xml;
	return $self->SUPER::get_return_value($xml);
}

# Net::EPP::Simple::request stamps the clTRID into $frame itself, then sends and reads.
sub request {
	my ($self, $frame) = @_;
	$self->{e2e_last_raw} = undef;
	my $response = $self->SUPER::request($frame);
	push(@{$self->{e2e_exchanges}}, {
		frame    => $frame,
		sent     => (ref($frame) ? $frame->toString : $frame),
		response => $response,
		raw      => $self->{e2e_last_raw},
	});
	return $response;
}

package main;
use strict;
use warnings;
use Encode qw(decode);

binmode(STDOUT, ':encoding(UTF-8)');
binmode(STDERR, ':encoding(UTF-8)');
$| = 1;

my $EPP_NS = 'urn:ietf:params:xml:ns:epp-1.0';
my $DOMAIN_NS = 'urn:ietf:params:xml:ns:domain-1.0';

sub fail {
	my ($msg) = @_;
	print "FAIL net_epp_simple: $msg\n";
	exit 1;
}

# Raw frames are UTF-8 bytes; decode (leniently) before printing them in a message.
sub show { return decode('UTF-8', $_[0] // '') }

if (@ARGV < 5 || @ARGV > 6) {
	print STDERR "usage: $0 HOST PORT CLID PASSWORD MSG1 [MSG2]\n";
	exit 2;
}
my ($host, $port, $clid, $pw, @expected) = map { decode('UTF-8', $_, Encode::FB_CROAK) } @ARGV;
my $n_expected = scalar(@expected);
my $step = 0;

sub step_ok {
	my ($what) = @_;
	$step++;
	print "ok $step - $what\n";
}

sub ctx_of {
	my ($doc) = @_;
	my $ctx = XML::LibXML::XPathContext->new($doc);
	$ctx->registerNs('e', $EPP_NS);
	$ctx->registerNs('d', $DOMAIN_NS);
	return $ctx;
}

sub xp_value {
	my ($ctx, $expr) = @_;
	my @nodes = $ctx->findnodes($expr);
	return undef if (!@nodes);
	return $nodes[0]->isa('XML::LibXML::Attr') ? $nodes[0]->value : $nodes[0]->textContent;
}

sub last_exchange {
	my ($epp, $what) = @_;
	my $x = $epp->{e2e_exchanges}[-1];
	fail("$what: nothing was sent (library error: $Net::EPP::Simple::Error)") if (!$x);
	fail("$what: no response (library error: $Net::EPP::Simple::Error)") if (!$x->{response});
	return $x;
}

# Checks the last exchange: a <response> with the wanted code, its svTRID, and the clTRID that
# Net::EPP::Simple put in the command echoed exactly (parsed text and raw bytes).
sub check_response {
	my ($epp, $what, $want_code) = @_;
	my $x = last_exchange($epp, $what);
	my $raw = $x->{raw} // '';
	my $ctx = ctx_of($x->{response});
	fail("$what: expected a <response>, got: " . show($raw)) if (!$ctx->exists('/e:epp/e:response'));
	my $code = xp_value($ctx, '/e:epp/e:response/e:result/@code') // '(none)';
	if ($code ne $want_code) {
		my $msg = xp_value($ctx, '/e:epp/e:response/e:result/e:msg') // '';
		fail("$what: expected result code $want_code, got $code ($msg): " . show($raw));
	}
	my $sent_cl = $x->{frame}->clTRID->textContent;
	fail("$what: Net::EPP::Simple sent no clTRID?") if ($sent_cl eq '');
	my $svtrid = xp_value($ctx, '/e:epp/e:response/e:trID/e:svTRID');
	fail("$what: response has no svTRID: " . show($raw)) if (!defined($svtrid) || $svtrid eq '');
	my $got_cl = xp_value($ctx, '/e:epp/e:response/e:trID/e:clTRID');
	fail("$what: clTRID '$sent_cl' was not echoed: " . show($raw)) if (!defined($got_cl));
	fail("$what: clTRID echo mismatch: sent '$sent_cl', got '$got_cl'") if ($got_cl ne $sent_cl);
	fail("$what: clTRID '$sent_cl' not found verbatim as element content in: " . show($raw))
		if ($raw !~ m{<(?:[A-Za-z_][\w.-]*:)?clTRID(?:\s[^>]*)?>\Q$sent_cl\E</(?:[A-Za-z_][\w.-]*:)?clTRID\s*>});
	return ($ctx, $sent_cl);
}

sub check_greeting {
	my ($doc, $what) = @_;
	my $ctx = ctx_of($doc);
	fail("$what: expected a <greeting>, got: " . $doc->toString) if (!$ctx->exists('/e:epp/e:greeting'));
	my $svid = xp_value($ctx, '/e:epp/e:greeting/e:svID');
	fail("$what: greeting has no svID: " . $doc->toString) if (!defined($svid) || $svid eq '');
	return $svid;
}

# 1+2. connect, greeting, login: all inside new().
my $epp = E2E::Simple->new(
	host        => $host,
	port        => $port,
	user        => $clid,
	pass        => $pw,
	($ENV{E2E_CA_FILE}                         # TLS, the server verified; or plain TCP
		? (verify => 1, ca_file => $ENV{E2E_CA_FILE})
		: (no_ssl => 1)),
	load_config => 0,                          # ignore any ~/.net-epp-simple-rc
	reconnect   => 0,                          # no hidden <hello> before each command
	timeout     => ($ENV{E2E_TIMEOUT} || 10),  # per-frame read timeout (alarm)
	debug       => ($ENV{E2E_DEBUG} ? 1 : 0),
);
if (!$epp) {
	fail("connect/greeting/login failed: code " . ($Net::EPP::Simple::Code // '(none)')
		. ": $Net::EPP::Simple::Error");
}
my $svid = check_greeting($epp->greeting, 'greeting');
my $over = $ENV{E2E_CA_FILE} ? "TLS, server verified against $ENV{E2E_CA_FILE}" : 'plain TCP';
step_ok("greeting over $over: svID '$svid' (read by Net::EPP::Simple->new)");

my $x = $epp->{e2e_exchanges}[0];
fail("login: no login exchange recorded") if (!$x || ref($x->{frame}) !~ /Login/);
{
	my $lctx = ctx_of($x->{frame});
	my @objs = map { $_->textContent } $lctx->findnodes('//e:svcs/e:objURI | //svcs/objURI');
	my @exts = map { $_->textContent } $lctx->findnodes('//e:svcExtension/e:extURI | //svcExtension/extURI');
	my ($cctx, $cl) = check_response($epp, 'login', 1000);
	fail("login: Net::EPP::Simple announced no objURI") if (!@objs);
	step_ok("login as $clid: 1000, clTRID $cl echoed; announced objURIs [@objs] extURIs [@exts]");
}

# 3. hello (Net::EPP::Simple::ping sends <hello/> and returns 1 on any XML reply)
fail("hello: ping() failed: $Net::EPP::Simple::Error") if (!$epp->ping);
my $svid2 = check_greeting(last_exchange($epp, 'hello')->{response}, 'hello');
step_ok("hello (ping): greeting again, svID '$svid2'");

# 3b. domain check, create, check, info, create again (Net::EPP::Simple's own helpers)
if (my $domain = $ENV{E2E_DOMAIN}) {
	my $avail = $epp->check_domain($domain);
	fail("check_domain($domain): code " . ($Net::EPP::Simple::Code // '(none)')
		. ": $Net::EPP::Simple::Error") if (!defined($avail));
	my ($cctx, $ccl) = check_response($epp, 'domain check', 1000);
	fail("check_domain($domain): avail '$avail', expected 1") if ($avail ne '1');
	step_ok("domain check $domain: 1000, available, clTRID $ccl echoed");

	my %spec = (
		name       => $domain,
		period     => 2,
		registrant => 'e2e-registrant',
		contacts   => {admin => 'e2e-admin', tech => 'e2e-tech'},
		ns         => ['ns1.example.net', 'ns2.example.net'],
		authInfo   => 'e2e-Secret-1',
	);
	fail("create_domain($domain): code " . ($Net::EPP::Simple::Code // '(none)')
		. ": $Net::EPP::Simple::Error") if (!$epp->create_domain(\%spec));
	($cctx, $ccl) = check_response($epp, 'domain create', 1000);
	my $cname = xp_value($cctx, '//e:resData/d:creData/d:name') // '(none)';
	my $crdate = xp_value($cctx, '//e:resData/d:creData/d:crDate') // '';
	my $exdate = xp_value($cctx, '//e:resData/d:creData/d:exDate') // '';
	fail("domain create: creData name '$cname', expected '$domain'") if ($cname ne $domain);
	fail("domain create: crDate '$crdate' / exDate '$exdate' not two years apart")
		if ($crdate !~ /^(\d{4})-\d\d-\d\dT/ || $exdate !~ /^(\d{4})-/ || $1 != substr($crdate, 0, 4) + 2);
	step_ok("domain create $domain for 2 years: 1000, creData crDate $crdate exDate $exdate");

	$avail = $epp->check_domain($domain);
	fail("check_domain($domain) again: avail '" . ($avail // 'undef') . "', expected 0")
		if (!defined($avail) || $avail ne '0');
	step_ok("domain check $domain: taken now");

	my $info = $epp->domain_info($domain);
	fail("domain_info($domain): code " . ($Net::EPP::Simple::Code // '(none)')
		. ": $Net::EPP::Simple::Error") if (ref($info) ne 'HASH');
	check_response($epp, 'domain info', 1000);
	my @want = (
		[name => $domain], [clID => $clid], [crID => $clid], [registrant => 'e2e-registrant'],
		[exDate => $exdate], [crDate => $crdate], [authInfo => 'e2e-Secret-1'],
	);
	foreach my $w (@want) {
		my ($k, $v) = @$w;
		fail("domain_info: $k '" . ($info->{$k} // '(none)') . "', expected '$v'")
			if (($info->{$k} // '') ne $v);
	}
	fail("domain_info: no roid") if (($info->{roid} // '') eq '');
	fail("domain_info: status [@{$info->{status} // []}], expected [ok]")
		if (join(',', @{$info->{status} // []}) ne 'ok');
	fail("domain_info: contacts " . join(',', %{$info->{contacts} // {}}))
		if (($info->{contacts}{admin} // '') ne 'e2e-admin' || ($info->{contacts}{tech} // '') ne 'e2e-tech');
	fail("domain_info: ns [@{$info->{ns} // []}]")
		if (join(',', @{$info->{ns} // []}) ne 'ns1.example.net,ns2.example.net');
	step_ok("domain info $domain: roid $info->{roid}, clID $info->{clID}, status ok, registrant, "
		. "contacts, 2 ns, authInfo");

	fail("create_domain($domain) again succeeded") if ($epp->create_domain(\%spec));
	fail("create_domain($domain) again: code " . ($Net::EPP::Simple::Code // '(none)') . ", expected 2302")
		if (($Net::EPP::Simple::Code // 0) != 2302);
	check_response($epp, 'domain create again', 2302);
	step_ok("domain create $domain again: 2302 ($Net::EPP::Simple::Error)");
}

# 4. poll req
$epp->request(Net::EPP::Frame::Command::Poll::Req->new);
my ($ctx, $cl) = check_response($epp, 'poll req #1', 1301);
my $count = xp_value($ctx, '/e:epp/e:response/e:msgQ/@count');
my $id = xp_value($ctx, '/e:epp/e:response/e:msgQ/@id');
my $text = xp_value($ctx, '/e:epp/e:response/e:msgQ/e:msg');
fail("poll req #1: no <msgQ> in the 1301 response") if (!defined($count));
fail("poll req #1: msgQ count '$count', expected $n_expected") if ($count !~ /^\d+$/ || $count != $n_expected);
fail("poll req #1: msgQ id '" . ($id // '(none)') . "' is not numeric") if (!defined($id) || $id !~ /^\d+$/);
fail("poll req #1: message text '" . ($text // '(none)') . "', expected '$expected[0]'")
	if (!defined($text) || $text ne $expected[0]);
my $first_id = $id;
step_ok("poll req: 1301, msgQ count=$count id=$id, msg '$text', clTRID $cl echoed");

# 5. poll ack
my $ack = Net::EPP::Frame::Command::Poll::Ack->new;
$ack->setMsgID($first_id);
$epp->request($ack);
($ctx, $cl) = check_response($epp, 'poll ack', 1000);
my $remaining = $n_expected - 1;
$count = xp_value($ctx, '/e:epp/e:response/e:msgQ/@count');
if (defined($count)) {
	fail("poll ack: msgQ count '$count', expected $remaining") if ($count !~ /^\d+$/ || $count != $remaining);
	$id = xp_value($ctx, '/e:epp/e:response/e:msgQ/@id');
	fail("poll ack: msgQ id '$id', expected the acked id $first_id") if (defined($id) && $id ne $first_id);
} elsif ($remaining > 0) {
	fail("poll ack: no <msgQ> in the response although $remaining message(s) remain");
}
step_ok("poll ack msgID=$first_id: 1000, msgQ count=" . ($count // '(absent)') . ", clTRID $cl echoed");

# 6. poll req again
$epp->request(Net::EPP::Frame::Command::Poll::Req->new);
if ($remaining > 0) {
	($ctx, $cl) = check_response($epp, 'poll req #2', 1301);
	$count = xp_value($ctx, '/e:epp/e:response/e:msgQ/@count') // '(none)';
	$id = xp_value($ctx, '/e:epp/e:response/e:msgQ/@id') // '(none)';
	$text = xp_value($ctx, '/e:epp/e:response/e:msgQ/e:msg') // '(none)';
	fail("poll req #2: msgQ count '$count', expected $remaining") if ($count !~ /^\d+$/ || $count != $remaining);
	fail("poll req #2: msgQ id '$id' is not numeric") if ($id !~ /^\d+$/);
	fail("poll req #2: msgQ id $id is the acked message's id") if ($id eq $first_id);
	fail("poll req #2: message text '$text', expected '$expected[1]'") if ($text ne $expected[1]);
	step_ok("poll req: 1301, msgQ count=$count id=$id, msg '$text', clTRID $cl echoed");
} else {
	($ctx, $cl) = check_response($epp, 'poll req #2', 1300);
	fail("poll req #2: 1300 response carries a <msgQ>") if ($ctx->exists('/e:epp/e:response/e:msgQ'));
	step_ok("poll req: 1300 (queue empty), clTRID $cl echoed");
}

# 7. logout (Net::EPP::Simple::logout sends <logout>, reads the reply, then disconnects)
my $n_before = scalar(@{$epp->{e2e_exchanges}});
fail("logout: logout() failed: $Net::EPP::Simple::Error") if (!$epp->logout);
fail("logout: Net::EPP::Simple did not send a <logout>") if (scalar(@{$epp->{e2e_exchanges}}) != $n_before + 1);
($ctx, $cl) = check_response($epp, 'logout', 1500);
step_ok("logout: 1500, clTRID $cl echoed");
print "PASS net_epp_simple: $step steps\n";
exit 0;
