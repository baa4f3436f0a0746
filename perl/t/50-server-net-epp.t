use strict;
use warnings;
no warnings 'once';    # $Net::EPP::Simple::Error
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use TestServer qw(start_server stop_server server_log);

# perl/examples/epp-select-server.pl, an IO::Select server on LibEPP, in a
# child process on 127.0.0.1 (port 0), driven by Net::EPP::Client and
# Net::EPP::Simple through login, hello, poll req, poll ack, a domain check
# and logout; once per connection style (core: the C API's verbs; srs:
# SRS::EPP::Session's method names).

# Net::EPP is a test dependency (perl/t/run.sh installs libnet-epp-perl): its
# absence fails this test under CI=true, and skips it elsewhere (an
# installation from CPAN without it).
my @missing = grep { !eval "require $_; 1" } qw(Net::EPP::Client Net::EPP::Simple Net::EPP::Frame XML::LibXML);
if (@missing) {
    my $why = "Perl modules missing: @missing (Debian: apt-get install libnet-epp-perl)";
    plan skip_all => $why if !$ENV{CI};
    plan tests => 1;
    fail($why);
    exit 0;
}

my $EPP_NS    = 'urn:ietf:params:xml:ns:epp-1.0';
my $DOMAIN_NS = 'urn:ietf:params:xml:ns:domain-1.0';
my $T0        = time;

# The watchdog below, killed at the end whatever happens (TestServer stops
# the servers).
my @children;
END {
    local $?;    # waitpid below must not change the test's exit status
    for my $pid (@children) {
        kill 'TERM', $pid;
        for (1 .. 50) { last if waitpid($pid, WNOHANG) != 0; sleep 0.1 }
        kill 'KILL', $pid if kill 0, $pid;
        waitpid($pid, 0);
    }
}

# A watchdog: Net::EPP::Simple uses alarm() itself, so the whole test is
# bounded by another process. Its SIGTERM runs the END blocks (the one above
# and TestServer's).
$SIG{TERM} = sub { print STDERR "50-server-net-epp.t: SIGTERM\n"; exit 1 };
my $parent = $$;
my $watchdog = fork // die "fork: $!";
if (!$watchdog) {
    $SIG{TERM} = 'DEFAULT';
    sleep 180;
    print STDERR "50-server-net-epp.t: watchdog: killing the test after 180s\n";
    kill 'TERM', $parent;
    sleep 5;
    kill 'KILL', $parent;
    POSIX::_exit(0);
}
push @children, $watchdog;

sub xpc {
    my ($raw) = @_;
    my $doc = XML::LibXML->new(no_network => 1)->load_xml(string => $raw);
    my $x = XML::LibXML::XPathContext->new($doc);
    $x->registerNs(e => $EPP_NS);
    $x->registerNs(domain => $DOMAIN_NS);
    return $x;
}

sub code_of { my ($x) = @_; return $x->findvalue('/e:epp/e:response/e:result[1]/@code') }

my $step = 0;
sub cltrid { return sprintf('PERL-%s-%d-%03d', $_[0], $$, ++$step) }

# Sends a frame with a fresh clTRID (Net::EPP::Frame always has one) and
# checks the result code and the echo.
sub transact {
    my ($epp, $frame, $want, $what) = @_;
    my $cl = cltrid($what =~ s/\W+/-/gr);
    $frame->clTRID->appendText($cl);
    my $raw = $epp->request($frame);
    my $x = xpc($raw);
    is(code_of($x), $want, "$what: $want") or diag($raw);
    is($x->findvalue('/e:epp/e:response/e:trID/e:clTRID'), $cl, "$what: clTRID echoed");
    like($x->findvalue('/e:epp/e:response/e:trID/e:svTRID'), qr/^PEX-\d+-\d+$/, "$what: svTRID");
    return $x;
}

sub client_session {
    my ($port, $clid, $pw, @messages) = @_;
    local $SIG{ALRM} = sub { die "Net::EPP::Client session timed out\n" };
    alarm 60;
    my $epp = Net::EPP::Client->new(host => '127.0.0.1', port => $port);   # no ssl key: plain TCP
    my $x = xpc($epp->connect(Timeout => 10));
    is($x->findvalue('/e:epp/e:greeting/e:svID'), 'libepp Perl example server', 'greeting svID');
    my @objs = map { $_->textContent } $x->findnodes('/e:epp/e:greeting/e:svcMenu/e:objURI');
    ok(scalar(@objs) == 3, "greeting objURIs: @objs");

    # A wrong password first: 2200, the session stays open.
    my $bad = Net::EPP::Frame::Command::Login->new;
    $bad->clID->appendText($clid);
    $bad->pw->appendText('wrong-password');
    $bad->version->appendText('1.0');
    $bad->lang->appendText('en');
    $bad->svcs->appendTextChild('objURI', $_) for @objs;
    transact($epp, $bad, 2200, 'login with a wrong password');

    my $login = Net::EPP::Frame::Command::Login->new;
    $login->clID->appendText($clid);
    $login->pw->appendText($pw);
    $login->version->appendText('1.0');
    $login->lang->appendText('en');
    $login->svcs->appendTextChild('objURI', $_) for @objs;
    transact($epp, $login, 1000, 'login');

    my $hello = xpc($epp->request(Net::EPP::Frame::Hello->new));
    ok($hello->exists('/e:epp/e:greeting/e:svID'), 'hello: a greeting');

    $x = transact($epp, Net::EPP::Frame::Command::Poll::Req->new, 1301, 'poll req');
    my $id = $x->findvalue('/e:epp/e:response/e:msgQ/@id');
    is($x->findvalue('/e:epp/e:response/e:msgQ/@count'), scalar(@messages), 'msgQ count');
    is($x->findvalue('/e:epp/e:response/e:msgQ/e:msg'), $messages[0], 'the first message');
    ok($x->findvalue('/e:epp/e:response/e:msgQ/e:qDate') ne '', 'qDate');

    my $ack = Net::EPP::Frame::Command::Poll::Ack->new;
    $ack->setMsgID($id);
    $x = transact($epp, $ack, 1000, 'poll ack');
    is($x->findvalue('/e:epp/e:response/e:msgQ/@count'), @messages - 1, 'msgQ count after the ack');

    $x = transact($epp, Net::EPP::Frame::Command::Poll::Req->new, 1301, 'poll req again');
    is($x->findvalue('/e:epp/e:response/e:msgQ/e:msg'), $messages[1], 'the second message');

    my $unknown = Net::EPP::Frame::Command::Poll::Ack->new;
    $unknown->setMsgID($id);
    transact($epp, $unknown, 2303, 'poll ack of a message already removed');

    my $check = Net::EPP::Frame::Command::Check::Domain->new;
    $check->addDomain($_) for qw(example.nz example2.nz);
    $x = transact($epp, $check, 1000, 'domain check');
    is_deeply([map { $_->textContent } $x->findnodes('//domain:cd/domain:name[@avail="1"]')],
              [qw(example.nz example2.nz)], 'resData from the server');

    my $info = Net::EPP::Frame::Command::Info::Domain->new;
    $info->setDomain('example.nz');
    transact($epp, $info, 2101, 'domain info (unimplemented)');

    transact($epp, Net::EPP::Frame::Command::Logout->new, 1500, 'logout');
    my $more = eval { $epp->get_frame };
    ok(!defined $more, 'the server closed the connection after logout');
    alarm 0;
}

sub simple_session {
    my ($port, $clid, $pw, @messages) = @_;
    my $epp = Net::EPP::Simple->new(
        host => '127.0.0.1', port => $port, user => $clid, pass => $pw,
        no_ssl => 1, load_config => 0, reconnect => 0, timeout => 10,
    );
    ok($epp, 'Net::EPP::Simple->new connected, read the greeting and logged in')
        or return diag("code " . ($Net::EPP::Simple::Code // '-') . ": $Net::EPP::Simple::Error");
    is($Net::EPP::Simple::Code, 1000, 'login: 1000');
    ok($epp->{authenticated}, 'authenticated');
    ok($epp->ping, 'hello (ping)');

    my $rs = $epp->request(Net::EPP::Frame::Command::Poll::Req->new);
    my $x = xpc($rs->toString);
    is(code_of($x), 1301, 'poll req: 1301');
    is($x->findvalue('/e:epp/e:response/e:msgQ/e:msg'), $messages[0], 'the first message');
    like($x->findvalue('/e:epp/e:response/e:trID/e:clTRID'), qr/^[0-9a-f]{40}$/, "Simple's 40-hex clTRID echoed");
    my $id = $x->findvalue('/e:epp/e:response/e:msgQ/@id');

    my $ack = Net::EPP::Frame::Command::Poll::Ack->new;
    $ack->setMsgID($id);
    $x = xpc($epp->request($ack)->toString);
    is(code_of($x), 1000, 'poll ack: 1000');
    is($x->findvalue('/e:epp/e:response/e:msgQ/@count'), @messages - 1, 'msgQ count after the ack');

    is($epp->check_domain('example.nz'), 1, 'check_domain: available');
    is($Net::EPP::Simple::Code, 1000, 'check_domain: 1000');

    $x = xpc($epp->request(Net::EPP::Frame::Command::Poll::Req->new)->toString);
    is(code_of($x), 1301, 'poll req again: 1301');
    is($x->findvalue('/e:epp/e:response/e:msgQ/e:msg'), $messages[1], 'the second message');
    $ack = Net::EPP::Frame::Command::Poll::Ack->new;
    $ack->setMsgID($x->findvalue('/e:epp/e:response/e:msgQ/@id'));
    is(code_of(xpc($epp->request($ack)->toString)), 1000, 'poll ack: 1000');
    is(code_of(xpc($epp->request(Net::EPP::Frame::Command::Poll::Req->new)->toString)), 1300,
       'poll req: 1300, the queue is empty');

    ok($epp->logout, 'logout (Net::EPP::Simple keeps no code for it: the server log is checked below)');

    # A wrong password: new() returns undef with the code.
    my $bad = Net::EPP::Simple->new(host => '127.0.0.1', port => $port, user => $clid, pass => 'wrong-password',
                                    no_ssl => 1, load_config => 0, reconnect => 0, timeout => 10);
    ok(!$bad, 'Net::EPP::Simple->new with a wrong password fails');
    is($Net::EPP::Simple::Code, 2200, '... with 2200');
}

for my $style (qw(core srs)) {
    my $t = time;
    my $srv = start_server($style,
        '--registrar', 'perl-client:client-pw-1', '--registrar', 'perl-simple:simple-pw-1',
        '--message', 'perl-client:Welcome, client', '--message', "perl-client:Transfer of example.nz requested",
        '--message', 'perl-simple:Welcome, simple', '--message', 'perl-simple:Renewal reminder');
    note("server ($style) on port $srv->{port}");
    subtest "Net::EPP::Client, $style style" => sub {
        client_session($srv->{port}, 'perl-client', 'client-pw-1',
                       'Welcome, client', 'Transfer of example.nz requested');
    };
    subtest "Net::EPP::Simple, $style style" => sub {
        simple_session($srv->{port}, 'perl-simple', 'simple-pw-1', 'Welcome, simple', 'Renewal reminder');
    };
    subtest "two Net::EPP::Client sessions at once, $style style" => sub {
        local $SIG{ALRM} = sub { die "concurrent sessions timed out\n" };
        alarm 60;
        my @c = map { Net::EPP::Client->new(host => '127.0.0.1', port => $srv->{port}) } 1 .. 2;
        ok(xpc($_->connect(Timeout => 10))->exists('/e:epp/e:greeting'), 'greeting') for @c;
        for my $i (0, 1) {
            my $login = Net::EPP::Frame::Command::Login->new;
            $login->clID->appendText('perl-client');
            $login->pw->appendText('client-pw-1');
            $login->version->appendText('1.0');
            $login->lang->appendText('en');
            $login->svcs->appendTextChild('objURI', $DOMAIN_NS);
            transact($c[$i], $login, 1000, "login #$i");
        }
        my $x = transact($c[1], Net::EPP::Frame::Command::Poll::Req->new, 1301, 'poll on #1');
        is($x->findvalue('/e:epp/e:response/e:msgQ/e:msg'), 'Transfer of example.nz requested',
           'the message the first client session left in the queue');
        transact($c[0], Net::EPP::Frame::Command::Logout->new, 1500, 'logout #0');
        transact($c[1], Net::EPP::Frame::Command::Logout->new, 1500, 'logout #1');
        alarm 0;
    };
    my $status = stop_server($srv);
    is($status, 0, "the server ($style) stopped cleanly on SIGTERM");
    my $log = server_log($srv);
    like($log, qr/clID=perl-client command=login code=1000/, 'the server logged the transactions');
    unlike($log, qr/client-pw-1|simple-pw-1/, 'and never a password');
    like($log, qr/clID=perl-simple command=logout code=1500/, 'Net::EPP::Simple logged out: 1500');
    like($log, qr/session ends: client logged out/, 'and the session ends');
    diag("server log ($style):\n$log") if !Test::More->builder->is_passing;
    note(sprintf("%s style: %.2fs", $style, time - $t));
}

diag(sprintf("50-server-net-epp.t: %.2fs", time - $T0));
done_testing;
