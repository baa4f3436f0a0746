#!/usr/bin/perl
# End-to-end check of an EPP server with Net::EPP::Client (Debian: libnet-epp-perl),
# over TLS (RFC 5734) when E2E_CA_FILE names the CA file to trust (ssl => 1, SSL_ca_file,
# the server's certificate verified), else over plain TCP.
#
# usage: [E2E_CA_FILE=ca.pem] net_epp_client.pl HOST PORT CLID PASSWORD MSG1 [MSG2]
#
# MSG1 (and MSG2) are the service messages the server was started with for CLID, in queue
# order. The session: greeting, login (1000), hello (greeting), poll req (1301, MSG1),
# poll req WITHOUT clTRID (same message, no clTRID echoed), poll ack (1000, count-1),
# poll req (1301 MSG2, or 1300 when no MSG2), logout (1500), then the server must close.
#
# Frames are built with Net::EPP::Frame's classes and sent as XML::LibXML documents, so the
# wire format is Net::EPP's own. Responses are taken raw (the client's default mode) and parsed
# here, so the clTRID echo can be checked on the received bytes as well as on the parsed text.
#
# One line per step on stdout; on any mismatch a "FAIL ..." line and exit status 1.
# Exit status 2 for usage errors or a missing Perl module. A global alarm
# (E2E_TOTAL_TIMEOUT seconds, default 25) bounds the whole run.
use strict;
use warnings;
use Encode qw(decode);

binmode(STDOUT, ':encoding(UTF-8)');
binmode(STDERR, ':encoding(UTF-8)');
$| = 1;

my $EPP_NS = 'urn:ietf:params:xml:ns:epp-1.0';

sub fail {
	my ($msg) = @_;
	print "FAIL net_epp_client: $msg\n";
	exit 1;
}

# Raw frames are UTF-8 bytes; decode (leniently) before printing them in a message.
sub show { return decode('UTF-8', $_[0] // '') }

BEGIN {
	for my $mod (qw(Net::EPP::Client Net::EPP::Frame XML::LibXML)) {
		if (!eval "require $mod; 1") {
			print "FAIL net_epp_client: Perl module $mod is not installed "
				. "(Debian: apt-get install libnet-epp-perl): $@\n";
			exit 2;
		}
	}
}

if (@ARGV < 5 || @ARGV > 6) {
	print STDERR "usage: $0 HOST PORT CLID PASSWORD MSG1 [MSG2]\n";
	exit 2;
}
my ($host, $port, $clid, $pw, @expected) = map { decode('UTF-8', $_, Encode::FB_CROAK) } @ARGV;
my $n_expected = scalar(@expected);

my $timeout = $ENV{E2E_TOTAL_TIMEOUT} || 25;
$SIG{ALRM} = sub { print "FAIL net_epp_client: timed out after ${timeout}s (server stalled?)\n"; exit 1 };
alarm($timeout);

my $parser = XML::LibXML->new(no_network => 1, expand_entities => 0, load_ext_dtd => 0);
my $xpc;
my $step = 0;

sub step_ok {
	my ($what) = @_;
	$step++;
	print "ok $step - $what\n";
}

# Parse a raw frame; returns (doc, xpath context) with prefix "e" bound to the EPP namespace.
sub parse_frame {
	my ($raw, $what) = @_;
	fail("$what: no frame received") if (!defined($raw) || $raw eq '');
	my $doc = eval { $parser->parse_string($raw) };
	fail("$what: frame is not well-formed XML ($@): " . show($raw)) if (!$doc);
	my $ctx = XML::LibXML::XPathContext->new($doc);
	$ctx->registerNs('e', $EPP_NS);
	fail("$what: root element is not {$EPP_NS}epp: " . show($raw)) if (!$ctx->exists('/e:epp'));
	return ($doc, $ctx);
}

sub xp_value {
	my ($ctx, $expr) = @_;
	my @nodes = $ctx->findnodes($expr);
	return undef if (!@nodes);
	return $nodes[0]->isa('XML::LibXML::Attr') ? $nodes[0]->value : $nodes[0]->textContent;
}

# Common checks on a <response>: result code, and the trID (clTRID echoed exactly or absent).
sub check_response {
	my ($raw, $what, $want_code, $cltrid) = @_;
	my ($doc, $ctx) = parse_frame($raw, $what);
	fail("$what: expected a <response>, got: " . show($raw)) if (!$ctx->exists('/e:epp/e:response'));
	my @results = $ctx->findnodes('/e:epp/e:response/e:result');
	fail("$what: response has no <result>: " . show($raw)) if (!@results);
	my $code = $results[0]->getAttribute('code') // '';
	if ($code ne $want_code) {
		my $msg = xp_value($ctx, '/e:epp/e:response/e:result/e:msg') // '';
		fail("$what: expected result code $want_code, got $code ($msg): " . show($raw));
	}
	my $svtrid = xp_value($ctx, '/e:epp/e:response/e:trID/e:svTRID');
	fail("$what: response has no svTRID: " . show($raw)) if (!defined($svtrid) || $svtrid eq '');
	my @cl = $ctx->findnodes('/e:epp/e:response/e:trID/e:clTRID');
	if (defined($cltrid)) {
		fail("$what: clTRID '$cltrid' was not echoed: " . show($raw)) if (!@cl);
		my $got = $cl[0]->textContent;
		fail("$what: clTRID echo mismatch: sent '$cltrid', got '$got'") if ($got ne $cltrid);
		# Byte-for-byte on the wire too: no whitespace, entity or other rewriting.
		my $raw_chars = decode('UTF-8', $raw);
		fail("$what: clTRID '$cltrid' not found verbatim as element content in: " . show($raw))
			if ($raw_chars !~ m{<(?:[A-Za-z_][\w.-]*:)?clTRID(?:\s[^>]*)?>\Q$cltrid\E</(?:[A-Za-z_][\w.-]*:)?clTRID\s*>});
	} else {
		fail("$what: command carried no clTRID but the response has one: " . show($raw)) if (@cl);
	}
	return ($doc, $ctx, $svtrid);
}

sub check_greeting {
	my ($raw, $what) = @_;
	my ($doc, $ctx) = parse_frame($raw, $what);
	fail("$what: expected a <greeting>, got: " . show($raw)) if (!$ctx->exists('/e:epp/e:greeting'));
	my $svid = xp_value($ctx, '/e:epp/e:greeting/e:svID');
	fail("$what: greeting has no svID: " . show($raw)) if (!defined($svid) || $svid eq '');
	my $svdate = xp_value($ctx, '/e:epp/e:greeting/e:svDate') // '';
	my @versions = map { $_->textContent } $ctx->findnodes('/e:epp/e:greeting/e:svcMenu/e:version');
	fail("$what: greeting svcMenu does not offer version 1.0: " . show($raw)) if (!grep { $_ eq '1.0' } @versions);
	my @langs = map { $_->textContent } $ctx->findnodes('/e:epp/e:greeting/e:svcMenu/e:lang');
	fail("$what: greeting svcMenu does not offer lang en: " . show($raw)) if (!grep { $_ eq 'en' } @langs);
	my @objs = map { $_->textContent } $ctx->findnodes('/e:epp/e:greeting/e:svcMenu/e:objURI');
	return ($svid, $svdate, \@objs);
}

# TLS with the CA to trust, or plain TCP. (Net::EPP::Client turns TLS on for any defined
# "ssl" parameter, 0 included: the key is left out for plain TCP.)
my $ca = $ENV{E2E_CA_FILE};
my $epp = Net::EPP::Client->new(host => $host, port => $port, ($ca ? (ssl => 1) : ()));
my %tls = $ca ? (SSL_ca_file => $ca, SSL_verify_mode => 1) : ();

# 1. connect: Net::EPP::Client::connect() blocks until it has read the greeting frame.
my $greeting = eval { $epp->connect(Timeout => 10, %tls) };
fail("connect/greeting: $@") if (!defined($greeting));
my ($svid, $svdate, $objs) = check_greeting($greeting, 'greeting');
my $over = $ca ? ('TLS ' . $epp->{connection}->get_sslversion . ", server verified against $ca") : 'plain TCP';
step_ok("greeting over $over: svID '$svid', svDate $svdate, objURIs @$objs");

my $n = 0;
sub next_cltrid {
	my ($tag) = @_;
	$n++;
	return sprintf('NetEPP-Client.%s-%d_%02d', $tag, $$, $n);
}

# Sends a Net::EPP::Frame document and returns the raw response.
sub transact {
	my ($frame, $what) = @_;
	my $raw = eval { $epp->request($frame) };
	fail("$what: transport error: $@") if ($@ ne '');
	return $raw;
}

# 2. login with the greeting's object URIs.
my $login = Net::EPP::Frame::Command::Login->new;
$login->clID->appendText($clid);
$login->pw->appendText($pw);
$login->version->appendText('1.0');
$login->lang->appendText('en');
$login->svcs->appendTextChild('objURI', $_) for (@$objs);
my $cl = next_cltrid('login');
$login->clTRID->appendText($cl);
check_response(transact($login, 'login'), 'login', 1000, $cl);
step_ok("login as $clid: 1000, clTRID $cl echoed");

# 3. hello -> greeting
my $hello_raw = transact(Net::EPP::Frame::Hello->new, 'hello');
my ($svid2) = check_greeting($hello_raw, 'hello');
step_ok("hello: greeting again, svID '$svid2'");

# 3b. with E2E_DOMAIN (a server with an RFC 5731 back end, eppd --demo's sandbox): domain check
# (available), create (1000), info (1000, the name back), written as raw XML documents.
if (my $domain = $ENV{E2E_DOMAIN}) {
	my $dns = 'urn:ietf:params:xml:ns:domain-1.0';
	my $doc = sub {
		my ($inner, $cl) = @_;
		return qq{<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">}
			. qq{<command>$inner<clTRID>$cl</clTRID></command></epp>};
	};
	$cl = next_cltrid('check');
	my ($d, $c) = check_response(transact($doc->(qq{<check><domain:check xmlns:domain="$dns"><domain:name>$domain</domain:name></domain:check></check>}, $cl), 'domain check'), 'domain check', 1000, $cl);
	$c->registerNs('d', $dns);
	my $avail = xp_value($c, '//d:chkData/d:cd/d:name/@avail') // '(none)';
	fail("domain check: $domain avail='$avail', expected 1") if ($avail ne '1' && $avail ne 'true');
	step_ok("domain check: $domain available");
	$cl = next_cltrid('create');
	check_response(transact($doc->(qq{<create><domain:create xmlns:domain="$dns"><domain:name>$domain</domain:name><domain:period unit="y">1</domain:period><domain:authInfo><domain:pw>2fooBAR</domain:pw></domain:authInfo></domain:create></create>}, $cl), 'domain create'), 'domain create', 1000, $cl);
	step_ok("domain create: $domain 1000");
	$cl = next_cltrid('info');
	($d, $c) = check_response(transact($doc->(qq{<info><domain:info xmlns:domain="$dns"><domain:name>$domain</domain:name></domain:info></info>}, $cl), 'domain info'), 'domain info', 1000, $cl);
	$c->registerNs('d', $dns);
	my $name = xp_value($c, '//d:infData/d:name') // '(none)';
	fail("domain info: name '$name', expected $domain") if (lc($name) ne lc($domain));
	step_ok("domain info: $domain 1000");
}

# 4. poll req -> 1301 with the first message
my $req = Net::EPP::Frame::Command::Poll::Req->new;
$cl = next_cltrid('pollreq');
$req->clTRID->appendText($cl);
my ($doc, $ctx) = check_response(transact($req, 'poll req #1'), 'poll req #1', 1301, $cl);
my $count = xp_value($ctx, '/e:epp/e:response/e:msgQ/@count');
my $id = xp_value($ctx, '/e:epp/e:response/e:msgQ/@id');
my $text = xp_value($ctx, '/e:epp/e:response/e:msgQ/e:msg');
fail("poll req #1: no <msgQ> in 1301 response: " . $doc->toString) if (!defined($count));
fail("poll req #1: msgQ count '$count', expected $n_expected") if ($count !~ /^\d+$/ || $count != $n_expected);
fail("poll req #1: msgQ id '" . ($id // '(none)') . "' is not numeric") if (!defined($id) || $id !~ /^\d+$/);
fail("poll req #1: msgQ has no qDate") if (!defined(xp_value($ctx, '/e:epp/e:response/e:msgQ/e:qDate')));
fail("poll req #1: message text '" . ($text // '(none)') . "', expected '$expected[0]'")
	if (!defined($text) || $text ne $expected[0]);
my $first_id = $id;
step_ok("poll req: 1301, msgQ count=$count id=$id, msg '$text', clTRID echoed");

# 5. the same poll req, sent as a raw string WITHOUT any clTRID: the response must carry
#    an svTRID and no clTRID at all; the message is not dequeued by a req.
my $bare = qq{<?xml version="1.0" encoding="UTF-8"?>\n<epp xmlns="$EPP_NS"><command><poll op="req"/></command></epp>\n};
($doc, $ctx) = check_response(transact($bare, 'poll req without clTRID'), 'poll req without clTRID', 1301, undef);
$id = xp_value($ctx, '/e:epp/e:response/e:msgQ/@id') // '(none)';
fail("poll req without clTRID: msgQ id $id, expected the same message $first_id") if ($id ne $first_id);
step_ok("poll req without clTRID: 1301 id=$id, svTRID present, no clTRID in response");

# 6. ack the first message
my $ack = Net::EPP::Frame::Command::Poll::Ack->new;
$ack->setMsgID($first_id);
$cl = next_cltrid('pollack');
$ack->clTRID->appendText($cl);
($doc, $ctx) = check_response(transact($ack, 'poll ack'), 'poll ack', 1000, $cl);
my $remaining = $n_expected - 1;
$count = xp_value($ctx, '/e:epp/e:response/e:msgQ/@count');
if (defined($count)) {
	fail("poll ack: msgQ count '$count', expected $remaining") if ($count !~ /^\d+$/ || $count != $remaining);
	$id = xp_value($ctx, '/e:epp/e:response/e:msgQ/@id');
	fail("poll ack: msgQ id '$id', expected the acked id $first_id") if (defined($id) && $id ne $first_id);
} elsif ($remaining > 0) {
	fail("poll ack: no <msgQ> in the response although $remaining message(s) remain");
}
step_ok("poll ack msgID=$first_id: 1000, msgQ count=" . ($count // '(absent)') . ", clTRID echoed");

# 7. poll req again: the second message, or 1300 when the queue is now empty
$req = Net::EPP::Frame::Command::Poll::Req->new;
$cl = next_cltrid('pollreq');
$req->clTRID->appendText($cl);
if ($remaining > 0) {
	($doc, $ctx) = check_response(transact($req, 'poll req #2'), 'poll req #2', 1301, $cl);
	$count = xp_value($ctx, '/e:epp/e:response/e:msgQ/@count') // '(none)';
	$id = xp_value($ctx, '/e:epp/e:response/e:msgQ/@id') // '(none)';
	$text = xp_value($ctx, '/e:epp/e:response/e:msgQ/e:msg') // '(none)';
	fail("poll req #2: msgQ count '$count', expected $remaining") if ($count !~ /^\d+$/ || $count != $remaining);
	fail("poll req #2: msgQ id '$id' is not numeric") if ($id !~ /^\d+$/);
	fail("poll req #2: msgQ id $id is the acked message's id") if ($id eq $first_id);
	fail("poll req #2: message text '$text', expected '$expected[1]'") if ($text ne $expected[1]);
	step_ok("poll req: 1301, msgQ count=$count id=$id, msg '$text', clTRID echoed");
} else {
	($doc, $ctx) = check_response(transact($req, 'poll req #2'), 'poll req #2', 1300, $cl);
	fail("poll req #2: 1300 response carries a <msgQ>") if ($ctx->exists('/e:epp/e:response/e:msgQ'));
	step_ok("poll req: 1300 (queue empty), clTRID echoed");
}

# 8. logout -> 1500, then the server closes the connection
my $logout = Net::EPP::Frame::Command::Logout->new;
$cl = next_cltrid('logout');
$logout->clTRID->appendText($cl);
check_response(transact($logout, 'logout'), 'logout', 1500, $cl);
step_ok("logout: 1500, clTRID echoed");

{
	local $SIG{ALRM} = sub { die "close-timeout\n" };
	alarm(5);
	my $extra = eval { $epp->get_frame };
	my $err = $@;
	alarm(0);
	fail("after logout: server did not close the connection within 5s") if ($err eq "close-timeout\n");
	fail("after logout: server sent another frame instead of closing: $extra") if ($err eq '');
}
$epp->disconnect;
step_ok("server closed the connection after logout");
print "PASS net_epp_client: $step steps\n";
exit 0;
