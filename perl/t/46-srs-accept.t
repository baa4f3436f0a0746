use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use Socket qw(AF_UNIX SOCK_STREAM PF_UNSPEC);
use POSIX ();
use Data::Dumper ();
use File::Temp ();
use Time::HiRes ();
use IO::Socket::INET;
no warnings "once";    # $Event::DIED

# LibEPP::SRS under SRS-EPP-Proxy's accept path: accept_one and accept_loop
# below are SRS::EPP::Proxy's (Net::SSLeay::OO replaced by IO::Socket::SSL,
# fork replaced by one forked child per run), parameterised by the class
# name only. They run with LibEPP::SRS (set up with LibEPP::SRS->setup) and
# with a subclass (set up with its own setup and a handle_request method),
# over TLS with a client certificate and over plain TCP, under Event.pm;
# every run's bytes must equal those of the same exchange through a plain
# LibEPP::Session in memory. Then SIGTERM through the proxy's signal timer,
# the constructor's contract, and process_queue's default of 1.

my @missing = grep { !eval "require $_; 1" } qw(Event IO::Socket::SSL);
if (@missing) {
    my $why = "Perl modules missing: @missing (Debian: apt-get install libevent-perl libio-socket-ssl-perl)";
    if ($ENV{CI}) {
        plan tests => 1;
        fail($why);
        exit 0;
    }
    plan skip_all => $why;
}

use LibEPP::SRS;
use LibEPP::Response;
use TestEPP;

$SIG{PIPE} = 'IGNORE';
alarm(120);
my $DATA = "$FindBin::Bin/data";
my $BACKEND = 'https://srs.example/srs/registrar';

# ---------------------------------------------------------------------
# The proxy: what SRS::EPP::Proxy gives accept_one and the session.
# ---------------------------------------------------------------------
{
    package Local::Proxy;
    sub new { my ($class, %a) = @_; return bless { states => [], signals => {}, handlers => {}, %a }, $class }
    sub listener          { $_[0]{listener} }
    sub backend           { $BACKEND }
    sub rfc_compliant_ssl { $_[0]{tls} }
    sub foreground        { 1 }
    sub show_state        { my ($self, $state, $session) = @_; push @{ $self->{states} }, $state; return }
    sub catch_signal {
        my ($self, $sig, $sub) = @_;
        $self->{handlers}{$sig} = $sub;
        $SIG{$sig} = sub { $self->{signals}{$sig}++ };
        return;
    }
    sub process_signals {
        my ($self) = @_;
        for my $sig (sort keys %{ $self->{handlers} }) {
            next if !$self->{signals}{$sig};
            $self->{signals}{$sig} = 0;
            $self->{handlers}{$sig}->();
        }
        return;
    }

    # SRS::EPP::Proxy::accept_one; only the class name is a parameter.
    sub accept_one {
        my ($self, $class) = @_;
        my $socket = $self->listener->accept
            or return;
        my $peerhost = $socket->peerhost;
        my $ssl = $socket;
        my $peer_cn;
        if ($self->{tls}) {
            IO::Socket::SSL->start_SSL($socket, SSL_server => 1,
                SSL_cert_file => "$DATA/server.pem", SSL_key_file => "$DATA/server-key.pem",
                SSL_ca_file => "$DATA/ca.pem", SSL_verify_mode => IO::Socket::SSL::SSL_VERIFY_PEER())
                or die "TLS: $IO::Socket::SSL::SSL_ERROR";
            $peer_cn = $ssl->peer_certificate('commonName');
        }
        # set the socket to non-blocking for event-driven fun.
        $socket->blocking(0);

        # create a new session...
        my $session = $class->new(
            io => $ssl,
            proxy => $self,
            socket => $socket,
            backend_url => $self->backend,
            event => "Event",
            peerhost => $peerhost,
            ($self->rfc_compliant_ssl ? (peer_cn => $peer_cn) : ()),
        );
        # let it know it's connected.
        $session->connected;

        return $session;
    }

    # SRS::EPP::Proxy::accept_loop's child part, for one connection.
    sub accept_loop {
        my ($self, $class) = @_;
        my $session = $self->accept_one($class) or die 'no session';
        $self->catch_signal(TERM => sub { $session->shutdown });
        local $Event::DIED = sub {
            my ($event, $exception) = @_;
            $self->{died} = "Exception during " . $event->w->desc . "; $exception";
            Event::unloop_all();
        };
        Event::loop(30);
        return $session;
    }
}

# The back end: what the handler does, whoever calls it. A command is
# answered later, from a timer, as a back-end response would be.
our @SEEN;
sub backend {
    my ($session, $req) = @_;
    push @SEEN, join(' ', $req->kind_name, $session->peerhost // '-', $session->peer_cn // '-',
                     $session->backend_url // '-', ref($session));
    if ($req->is_login) {
        $req->answer_login($req->password eq 'secret-pw1' ? 'accepted' : 'bad_credentials');
    } elsif ($req->is_poll) {
        $req->answer_poll_empty;
    } elsif ($req->is_poll_ack) {
        $req->answer_ack_unknown;
    } elsif ($req->is_command) {
        my $ev = $session->event;
        my $w;
        $w = $ev->timer(after => 0.05, cb => sub {
            $req->answer_command(LibEPP::Response->new(1000, message => 'from ' . $session->backend_url));
            $session->send_pending_replies;
            $w->cancel if $w;
        });
    }
    return;
}

{
    package Local::Registry::Session;
    our @ISA = ('LibEPP::SRS');
    sub handle_request { main::backend(@_) }
}

my $CHECK = command_xml('check', '<domain:check xmlns:domain="' . DOMAIN_NS
                               . '"><domain:name>example.test</domain:name></domain:check>', cltrid => 'C-3');
my @EXCHANGE = (
    [login_xml(cltrid => 'C-1')],
    [hello_xml()],
    [poll_req_xml('C-2'), $CHECK, poll_ack_xml(7, 'C-4')],    # pipelined in one write
    [logout_xml('C-5')],
);

# The reference: the same exchange through LibEPP::Session in memory.
sub reference {
    my $s = LibEPP::Session->new(server => test_server(), now => NOW, clock => sub { NOW });
    my @frames = unframe($s->drain_output);
    for my $batch (@EXCHANGE) {
        $s->feed_input(join '', map { frame($_) } @$batch);
        while (1) {
            my @r = $s->poll_requests;
            last if !@r;
            for my $req (@r) {
                if    ($req->is_login)    { $req->answer_login('accepted') }
                elsif ($req->is_poll)     { $req->answer_poll_empty }
                elsif ($req->is_poll_ack) { $req->answer_ack_unknown }
                elsif ($req->is_command)  {
                    $req->answer_command(LibEPP::Response->new(1000, message => "from $BACKEND"));
                }
            }
        }
        push @frames, unframe($s->drain_output);
    }
    return @frames;
}
my @REFERENCE = reference();
is(scalar @REFERENCE, 7, 'reference: greeting, login, greeting, poll, check, ack, logout');

sub read_frame {
    my ($sock) = @_;
    my $head = '';
    while (length $head < 4) {
        my $n = sysread($sock, $head, 4 - length $head, length $head);
        return undef if !$n;
    }
    my $len = unpack('N', $head) - 4;
    my $body = '';
    while (length $body < $len) {
        my $n = sysread($sock, $body, $len - length $body, length $body);
        die "short frame" if !$n;
    }
    return $body;
}

sub connect_client {
    my ($port, $tls) = @_;
    return IO::Socket::SSL->new(
        PeerHost => '127.0.0.1', PeerPort => $port, SSL_ca_file => "$DATA/ca.pem",
        SSL_cert_file => "$DATA/client.pem", SSL_key_file => "$DATA/client-key.pem",
        SSL_verifycn_name => 'localhost', Timeout => 10,
    ) || die "connect: $IO::Socket::SSL::SSL_ERROR" if $tls;
    return IO::Socket::INET->new(PeerHost => '127.0.0.1', PeerPort => $port, Timeout => 10)
        || die "connect: $!";
}

# One run: the accept loop in a child with $class; the client here.
# $client->($sock, $pid) talks; returns what the child reported.
sub run_accept_loop {
    my ($class, $tls, $client, %setup) = @_;
    my $listener = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1', LocalPort => 0,
                                         ReuseAddr => 1) or die "listen: $!";
    my $port = $listener->sockport;
    my $report = File::Temp->new;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my %r;
        my $ok = eval {
            @SEEN = ();
            my @log;
            $class->setup(
                server => test_server(), clock => sub { NOW }, drain_timeout => 3,
                logger => sub { my ($level, $msg) = @_; push @log, "$level: $msg"; printf STDERR "%.3f %s: %s\n", Time::HiRes::time() - $^T, $level, $msg if $ENV{SRS_DEBUG} },
                ($class eq 'LibEPP::SRS' ? (on_request => \&backend) : ()),
                %setup,
            );
            my $proxy = Local::Proxy->new(listener => $listener, tls => $tls);
            my $session = $proxy->accept_loop($class);
            %r = (class => ref $session, states => $proxy->{states}, seen => [@SEEN], log => \@log,
                  died => $proxy->{died}, closed => $session->is_closed, state => $session->state,
                  close_reason => $session->close_reason_name);
            1;
        };
        $r{error} = "$@" if !$ok;
        open(my $fh, '>', "$report") or POSIX::_exit(2);
        print $fh Data::Dumper->new([\%r])->Terse(1)->Indent(1)->Dump;
        close $fh;
        POSIX::_exit(0);
    }
    close $listener;
    my $sock = connect_client($port, $tls);
    my @got = eval { $client->($sock, $pid) };
    my $err = $@;
    close $sock;
    waitpid($pid, 0);
    is($?, 0, "$class: the child exited cleanly");
    my $r = do "$report";
    die $err if $err;
    return ($r || {}, @got);
}

sub exchange {
    my ($sock) = @_;
    my @got = (read_frame($sock));
    for my $batch (@EXCHANGE) {
        syswrite($sock, join '', map { frame($_) } @$batch) or die "write: $!";
        push @got, read_frame($sock) for @$batch;
    }
    my $eof = read_frame($sock);
    push @got, defined $eof ? "unexpected: $eof" : 'EOF';
    return @got;
}

for my $tls (1, 0) {
    my $how = $tls ? 'TLS with a client certificate' : 'plain TCP';
    my %transcript;
    for my $class ('LibEPP::SRS', 'Local::Registry::Session') {
        my ($r, @got) = run_accept_loop($class, $tls, \&exchange);
        is($r->{error}, undef, "$class over $how: no error");
        is($r->{died}, undef, "$class over $how: nothing died in the event loop");
        is_deeply(\@got, [@REFERENCE, 'EOF'],
                  "$class over $how: every response equals the in-memory session's, then the end")
            or diag(explain(\@got));
        is($r->{class}, $class, "$class over $how: the session is a $class");
        my $cn = $tls ? 'registrar1.client.example' : '-';
        is_deeply($r->{seen}, [map { "$_ 127.0.0.1 $cn $BACKEND $class" } qw(login poll command poll_ack)],
                  "$class over $how: the handler saw each request with peerhost, peer_cn, backend_url");
        is_deeply($r->{states}, ['Waiting for Client Authentication', 'Processing <login>', 'Waiting for Command',
                                 'Processing Command', 'Waiting for Command', 'End'],
                  "$class over $how: the proxy was shown each state change (show_state)");
        ok($r->{closed}, "$class over $how: closed (half-close, drain, unloop_all)");
        is($r->{close_reason}, 'logout', "$class over $how: ended by the logout");
        ok((grep { /^info: processing request #\d+ \(login\)/ } @{ $r->{log} || [] }),
           "$class over $how: the logger got the session's lines") or diag(explain($r->{log}));
        $transcript{$class} = \@got;
    }
    is_deeply($transcript{'Local::Registry::Session'}, $transcript{'LibEPP::SRS'},
              "over $how: both classes, same accept loop, same bytes");
}

# SIGTERM: the proxy's handler runs from the session's signal timer and
# shuts the session down: the login is answered, then the end.
{
    my ($r, @got) = run_accept_loop('LibEPP::SRS', 1, sub {
        my ($sock, $pid) = @_;
        my @got = (read_frame($sock));
        syswrite($sock, frame(login_xml(cltrid => 'T-1')));
        push @got, read_frame($sock);
        kill 'TERM', $pid;
        my $eof = read_frame($sock);
        push @got, defined $eof ? "unexpected: $eof" : 'EOF';
        return @got;
    }, signal_interval => 0.1);
    is($r->{error}, undef, 'SIGTERM: no error');
    ok(is_greeting($got[0]), 'SIGTERM: greeting');
    is(result_code($got[1]), 1000, 'SIGTERM: login answered');
    is($got[2], 'EOF', 'SIGTERM: then the end of the connection');
    ok((grep { $_ eq 'info: shutting down session' } @{ $r->{log} }), 'SIGTERM: the session shut down');
    ok($r->{closed}, 'SIGTERM: closed, loop ended');
}

# A client that never closes: the drain ends after drain_timeout, and the
# loop with it (Event.pm, a socket pair).
{
    socketpair(my $server, my $client, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
    $_->blocking(0) for $server, $client;
    my $s = LibEPP::SRS->new(io => $server, event => 'Event', server => test_server(),
                             on_request => sub { }, drain_timeout => 0.3);
    $s->connected;
    syswrite($client, "\0\0\0\2");    # a frame length below 5: libepp closes the session
    my $t0 = Time::HiRes::time();
    Event::loop(10);
    my $took = Time::HiRes::time() - $t0;
    ok($s->is_closed, 'a client that never closes: the drain ends anyway');
    ok($took >= 0.25 && $took < 5, sprintf('... after drain_timeout (%.2f s)', $took));
    is($s->close_reason_name, 'bad_frame_length', '... the session ended on the bad frame');
    my $got = '';
    while (sysread($client, my $buf, 65536)) { $got .= $buf }
    ok(is_greeting((unframe($got))[0]), '... the greeting was written before');
    is(sysread($client, my $more, 1), 0, '... and the server half-closed its end');
}

# ---------------------------------------------------------------------
# The constructor's contract and process_queue's default, with a recording
# stand-in for Event.
# ---------------------------------------------------------------------
{
    package Local::Event;
    sub new { bless { timers => [], ios => [] }, shift }
    sub io    { my ($s, %a) = @_; my $w = Local::Watcher->new(%a); push @{ $s->{ios} }, $w; $w }
    sub timer { my ($s, %a) = @_; my $w = Local::Watcher->new(%a); push @{ $s->{timers} }, $w; $w }
    sub unloop_all { $_[0]{unlooped}++ }
    # Runs the timers due now (after 0), as Event would, until none is left.
    sub run_yields {
        my ($s) = @_;
        my @ran;
        while (my ($w) = grep { $_->{active} && !$_->{a}{after} } @{ $s->{timers} }) {
            $w->{active} = 0;
            push @ran, $w->{a}{desc};
            $w->{a}{cb}->();
        }
        return @ran;
    }
    package Local::Watcher;
    sub new    { my ($c, %a) = @_; bless { a => \%a, active => 1 }, $c }
    sub start  { $_[0]{active} = 1 }
    sub stop   { $_[0]{active} = 0 }
    sub cancel { $_[0]{active} = 0; $_[0]{cancelled} = 1 }
}
{
    socketpair(my $server, my $client, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
    $_->blocking(0) for $server, $client;
    my @handled;
    my %base = (io => $server, socket => $server, event => Local::Event->new, server => test_server(),
                on_request => sub { push @handled, $_[1] }, clock => sub { NOW });
    for my $case (
        [[frobnicate => 1], qr/unknown option 'frobnicate'/, 'an unknown option'],
        [[output_queue => []], qr/'output_queue' is internal state of SRS::EPP::Session/, 'SRS internal state'],
        [[event => undef], qr/event is required/, 'no event'],
        [[event => 'No::Such::Loop'], qr/has no io\(\) and timer\(\) methods/, 'an event without io/timer'],
        [[io => undef], qr/io is required/, 'no io'],
        [[on_request => undef], qr/no request handler/, 'no handler'],
    ) {
        my ($over, $re, $what) = @$case;
        ok(!eval { LibEPP::SRS->new(%base, @$over); 1 }, "new croaks: $what");
        like($@, $re, "... $what: clear message");
    }

    my $ev = Local::Event->new;
    my $s = LibEPP::SRS->new(%base, event => $ev, backend_url => $BACKEND, peerhost => '192.0.2.1',
                             peer_cn => 'cn', timeout => 60, connection_id => 'sep.1.2');
    is($s->backend_url, $BACKEND, 'backend_url kept');
    is($s->peerhost, '192.0.2.1', 'peerhost kept');
    is($s->peer_cn, 'cn', 'peer_cn kept');
    $s->peer_cn('other');
    is($s->peer_cn, 'other', 'peer_cn is read-write');
    is($s->timeout, 60, 'timeout');
    is($s->new_server_id, 'sep.1.2.001', 'new_server_id: connection_id.sequence');
    ok(!$s->has_proxy, 'no proxy: has_proxy false');
    is($s->event, $ev, 'event');
    $s->connected;
    my ($in, $out) = @{ $ev->{ios} };
    is_deeply([$in->{a}{desc}, $in->{a}{poll}, $in->{a}{fd}, $in->{a}{timeout}],
              ['input_event', 'r', fileno($server), 60], 'connected: the input watcher, with the timeout');
    is(ref $in->{a}{timeout_cb}, 'CODE', '... and its timeout callback');
    is_deeply([$out->{a}{desc}, $out->{a}{poll}, $out->{active}], ['output_event', 'w', 0],
              'connected: the output watcher, stopped (nothing pending)');
    my @greeting = unframe(do { my $b = ''; sysread($client, $b, 65536); $b });
    ok(is_greeting($greeting[0]), 'connected wrote the greeting');

    # Three pipelined hellos and a login, then two commands: process_queue
    # hands over one request per call, and yields itself for the rest.
    syswrite($client, frame(login_xml()));
    $s->input_event;
    is(($ev->run_yields)[0], 'process_queue', 'input_event yields process_queue');
    is(scalar @handled, 1, 'the login went to the handler');
    shift(@handled)->answer_login('accepted');
    $s->send_pending_replies;
    $ev->run_yields;
    syswrite($client, join '', map { frame(poll_req_xml("P-$_")) } 1 .. 3);
    $s->input_event;
    is($s->process_queue, 3, 'process_queue() returns the requests still unanswered (3)');
    is(scalar @handled, 1, '... having handed over one (SRS default 1)');
    my @ran = $ev->run_yields;
    is(scalar @handled, 3, 'the yielded process_queue calls hand over the rest, one at a time');
    is(scalar(grep { $_ eq 'process_queue' } @ran), 3, '... three more yields (the last finds none)');
    $_->answer_poll_empty for splice @handled;
    is($s->process_queue(5), 0, 'process_queue(5): nothing left');
    $s->send_pending_replies;
    my $bytes = '';
    while (sysread($client, my $buf, 65536)) { $bytes .= $buf }
    is_deeply([map { result_code($_) } unframe($bytes)], [1000, 1300, 1300, 1300],
              'login and the three polls answered, in order');
    $s->yield('check_queues');
    $s->yield('check_queues');
    is(scalar(grep { $_->{active} && $_->{a}{desc} eq 'check_queues' } @{ $ev->{timers} }), 1,
       'yield without arguments queues a method once');
    ok(!eval { $s->yield('no_such_method'); 1 }, 'yield of an unknown method croaks');

    # The end: logout, answered, then half-close, drain, unloop_all.
    syswrite($client, frame(logout_xml('L-1')));
    $s->input_event;
    $ev->run_yields;
    ok($s->is_finished, 'logout: finished');
    my @io = @{ $ev->{ios} };
    ok($in->{cancelled} && $out->{cancelled}, 'the watchers are cancelled');
    is($io[-1]{a}{desc}, 'drain', 'a drain watcher reads what the client still sends');
    shutdown($client, 1);
    $io[-1]{a}{cb}->();
    ok($s->is_closed, 'the client\'s end of file ends the drain');
    is($ev->{unlooped}, 1, 'unloop_all, as SRS::EPP::Session');
    my $last = '';
    while (sysread($client, my $buf, 65536)) { $last .= $buf }
    is(result_code((unframe($last))[0]), 1500, 'the logout was answered before the end');
}

done_testing;
