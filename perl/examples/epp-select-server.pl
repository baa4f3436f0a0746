#!/usr/bin/perl
# epp-select-server: a single-process, IO::Select-driven EPP server in Perl
# on LibEPP (the binding of libepp's C ABI), the Perl counterpart of
# examples/c/epp_example.c. Plain TCP (no TLS), any number of sessions,
# registrars and service messages held in memory; a domain <check> is
# answered with <domain:chkData> (every name available), every other object
# command with 2101 (unimplemented).
#
#   epp-select-server.pl [--listen ADDR:PORT] [--registrar CLID:PASSWORD]...
#                        [--message CLID:TEXT]... [--max-sessions-per-registrar N]
#                        [--style core|srs] [--max-runtime SECONDS]
#
# --listen defaults to 127.0.0.1:7700; port 0 picks a free port. The first
# line on stdout is "epp-select-server listening on ADDR:PORT". One log line
# per response on stderr (never a password). SIGINT or SIGTERM stops the
# server; --max-runtime stops it after that many seconds (for tests).
#
# Per connection the loop is read -> feed -> poll -> answer -> write, plus
# the timer. A socket is watched for reading only while its session wants
# input (wants_input); every byte read is fed (the session holds what it
# cannot handle yet: frames behind a login with the host, too many commands
# in flight, too much output waiting), so a client that pipelines without
# reading is held back by TCP, not by this process's memory. Answers and
# written output let the session handle what it holds, which may queue more
# requests: poll, answer and write again until nothing moves.
#
# --style picks how connections are driven:
#   core  the C API's verbs: sysread + feed_input, poll_queue + answers,
#         take_output + syswrite + consume_output (the default);
#   srs   SRS::EPP::Session's shape: the session owns the socket (io =>) and
#         a request handler (on_request =>); the loop calls connected,
#         input_event and output_event, as SRS::EPP::Proxy's event loop does,
#         then process_queue.
#
# A finished session's socket is half-closed and drained briefly before it
# is closed (see close_gently below): closing a socket with unread input
# makes the kernel send an RST, which destroys responses already written.
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../lib";

use Getopt::Long qw(GetOptions);
use IO::Select;
use IO::Socket::INET;
use LibEPP qw(now_ms);
use LibEPP::Config;
use LibEPP::Server;
use LibEPP::Session;

my $listen = '127.0.0.1:7700';
my (@registrar_args, @message_args);
my $max_sessions = 0;
my $style = 'core';
my $max_runtime = 0;
GetOptions(
    'listen=s'                     => \$listen,
    'registrar=s'                  => \@registrar_args,
    'message=s'                    => \@message_args,
    'max-sessions-per-registrar=i' => \$max_sessions,
    'style=s'                      => \$style,
    'max-runtime=i'                => \$max_runtime,
    'plain'                        => sub { },    # plain TCP is all this example speaks
) or die "usage: $0 [--listen ADDR:PORT] [--registrar CLID:PASSWORD]... [--message CLID:TEXT]... "
       . "[--max-sessions-per-registrar N] [--style core|srs] [--max-runtime SECONDS]\n";
die "$0: --style is core or srs\n" if $style ne 'core' && $style ne 'srs';

# ---------------------------------------------------------------------
# The in-memory back end
# ---------------------------------------------------------------------

my $start = now_ms();
my %password;          # clID => password
my @messages;          # { id, client_id, text, queued_at }, oldest first
my $last_message_id = 0;
for (@registrar_args) {
    my ($id, $pw) = /^([^:]+):(.*)$/s or die "$0: --registrar CLID:PASSWORD, got '$_'\n";
    $password{$id} = $pw;
}
for (@message_args) {
    my ($id, $text) = /^([^:]+):(.*)$/s or die "$0: --message CLID:TEXT, got '$_'\n";
    push @messages, { id => ++$last_message_id, client_id => $id, text => $text, queued_at => $start };
}

sub messages_of { my ($clid) = @_; return grep { $_->{client_id} eq $clid } @messages }

# Compares without stopping at the first difference.
sub password_matches {
    my ($stored, $given) = @_;
    my $diff = length($stored) ^ length($given);
    my $n = length $given;
    for my $i (0 .. $n - 1) {
        $diff |= ord(substr($given, $i, 1)) ^ ($i < length $stored ? ord(substr($stored, $i, 1)) : 0);
    }
    return $diff == 0;
}

my $DOMAIN_NS = 'urn:ietf:params:xml:ns:domain-1.0';

sub xml_escape {
    my ($s) = @_;
    $s =~ s/&/&amp;/g;
    $s =~ s/</&lt;/g;
    $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g;
    return $s;
}

# Decides one request: the host's whole business logic.
sub decide {
    my ($session, $req, $peer) = @_;
    my $kind = $req->kind_name;
    if ($kind eq 'login') {
        my $clid = $req->client_id;
        my $ok = exists $password{$clid} && password_matches($password{$clid}, $req->password);
        my $code = $req->answer_login($ok ? 'accepted' : 'bad_credentials');
        my $new_pw = $req->new_password;
        $password{$clid} = $new_pw if $code == 1000 && defined $new_pw;
    } elsif ($kind eq 'poll') {
        my @mine = messages_of($req->client_id);
        if (@mine) {
            $req->answer_poll_message(id => $mine[0]{id}, count => scalar(@mine),
                                      queued_at => $mine[0]{queued_at}, text => $mine[0]{text});
        } else {
            $req->answer_poll_empty;
        }
    } elsif ($kind eq 'poll_ack') {
        my $clid = $req->client_id;
        my $id = $req->message_id;
        my $before = @messages;
        @messages = grep { !($_->{id} == $id && $_->{client_id} eq $clid) } @messages;
        if (@messages < $before) {
            $req->answer_ack(scalar(messages_of($clid)));
        } else {
            $req->answer_ack_unknown;
        }
    } elsif ($kind eq 'command') {
        if ($req->verb_name eq 'check' && $req->object_uri eq $DOMAIN_NS) {
            my @names = $req->object_xml =~ m{<(?:[\w.-]+:)?name\b[^>]*>([^<]*)</(?:[\w.-]+:)?name>}g;
            my $cd = join('', map {
                qq{<domain:cd><domain:name avail="1">$_</domain:name></domain:cd>}
            } @names);
            $req->answer_command(1000,
                res_data => qq{<domain:chkData xmlns:domain="$DOMAIN_NS">$cd</domain:chkData>});
        } else {
            $req->answer_command(2101);
        }
    } elsif ($kind eq 'session_end') {
        print STDERR "$peer: session ends: ", $req->close_reason_text, "\n";
    } else {
        $req->answer_failure;    # a kind this program does not know (a newer libepp)
    }
    return;
}

# ---------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------

my %conns;    # fileno => { sock, session, peer, stalled_since }; closing: { sock, closing_until, closing_left }

use constant WRITE_TIMEOUT_MS => 30_000;    # a client that takes no output this long is dropped
use constant CLOSE_MS         => 1000;      # how long a finished connection is drained before close
use constant CLOSE_BYTES      => 262144;    # and how much of the client's input is discarded at most

my $server = LibEPP::Server->new(
    config => LibEPP::Config->new(
        server_id       => 'libepp Perl example server',
        object_uris     => [$DOMAIN_NS, 'urn:ietf:params:xml:ns:contact-1.0',
                            'urn:ietf:params:xml:ns:host-1.0'],
        sv_trid_prefix  => 'PEX',
        transaction_log => 1,
    ),
    now => $start,
    ($max_sessions > 0 ? (max_sessions_per_registrar => $max_sessions) : ()),
);

sub log_transactions {
    my ($c) = @_;
    while (my $t = $c->{session}->poll_transaction) {
        printf STDERR "%s: clID=%s command=%s code=%d svTRID=%s\n", $c->{peer},
            $t->client_id // '-', $t->command, $t->result_code, $t->server_transaction_id // '-';
    }
}

# read -> feed: one read, made only while the session wants input; every
# byte of it goes to the session (the end of file too, at once).
sub core_read {
    my ($c, $now) = @_;
    my $s = $c->{session};
    my $n = sysread($c->{sock}, my $buf, 65536);
    if (!defined $n) {
        return if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
        print STDERR "$c->{peer}: read: $!\n";
        $s->handle_eof($now);    # a broken connection ends like an end of file
    } elsif ($n == 0) {
        $s->handle_eof($now);    # takes effect after what was fed before
    } else {
        $s->feed_input($buf, $now);
    }
}

# write: what the session has for the peer. Returns whether any byte went
# out (which may let the session handle input it held).
sub core_write {
    my ($c) = @_;
    my $s = $c->{session};
    my $wrote = 0;
    while (length(my $out = $s->take_output)) {
        my $w = syswrite($c->{sock}, $out);
        if (!defined $w) {
            last if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
            print STDERR "$c->{peer}: write: $!\n";
            $s->close;    # nothing more can be written
            last;
        }
        last if !$w;
        $s->consume_output($w);
        $wrote = 1;
    }
    return $wrote;
}

# poll -> answer -> write, until the socket takes no more or nothing is
# left. Returns whether any byte was written.
sub serve {
    my ($c) = @_;
    my $s = $c->{session};
    my ($wrote, $w) = (0, 0);
    if ($style eq 'srs') {
        do {
            $s->process_queue;           # on_request decides each request
            log_transactions($c);
            $w = $s->output_event;       # written output may let held input through
            $wrote ||= $w;
        } while ($w);
        return $wrote;
    }
    do {
        while (my $req = $s->poll_queue) {
            decide($s, $req, $c->{peer});
        }
        log_transactions($c);
        $w = core_write($c);
        $wrote ||= $w;
    } while ($w);
    return $wrote;
}

sub accept_connections {
    my ($listener) = @_;
    while (my $sock = $listener->accept) {
        $sock->blocking(0);
        my $peer = $sock->peerhost . ':' . $sock->peerport;
        my $c = { sock => $sock, peer => $peer };
        if ($style eq 'srs') {
            $c->{session} = LibEPP::Session->new(
                server     => $server,
                io         => $sock,
                on_request => sub { decide($_[0], $_[1], $peer) },
            );
            $c->{session}->connected;    # writes the greeting
        } else {
            $c->{session} = LibEPP::Session->new(server => $server);
            serve($c);                   # writes the greeting
        }
        $conns{fileno($sock)} = $c;
    }
}

# The session is finished: half-close (the client sees the end of file
# after the last response), then read and discard what the client still
# sends for a short while, and only then close. Closing at once with input
# unread (commands pipelined after a logout, say) would make the kernel
# answer with an RST, and the client could lose responses already written
# but not yet delivered, the 1500 among them.
sub close_gently {
    my ($fd, $now) = @_;
    my $c = $conns{$fd};
    delete $c->{session};
    shutdown($c->{sock}, 1);
    $c->{closing_until} = $now + CLOSE_MS;
    $c->{closing_left} = CLOSE_BYTES;
}

sub drain_closing {
    my ($fd) = @_;
    my $c = $conns{$fd};
    while (1) {
        my $n = sysread($c->{sock}, my $buf, 65536);
        if (!defined $n) {
            return if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
            last;    # reset by the client
        }
        last if !$n || ($c->{closing_left} -= $n) <= 0;
    }
    close_connection($fd);
}

sub close_connection {
    my ($fd) = @_;
    my $c = delete $conns{$fd} or return;
    close($c->{sock});
}

# ---------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------

my ($host, $port) = $listen =~ /^(.*):(\d+)$/ or die "$0: --listen ADDR:PORT, got '$listen'\n";
$host =~ s/^\[(.*)\]$/$1/;
my $listener = IO::Socket::INET->new(
    LocalAddr => $host, LocalPort => $port, Proto => 'tcp',
    Listen => 128, ReuseAddr => 1, Blocking => 0,
) or die "$0: cannot listen on $listen: $@\n";

my $stopping = 0;
$SIG{PIPE} = 'IGNORE';
$SIG{INT} = $SIG{TERM} = sub { $stopping = 1 };
$SIG{ALRM} = sub { print STDERR "epp-select-server: --max-runtime reached\n"; $stopping = 1 };
alarm($max_runtime) if $max_runtime > 0;

$| = 1;
print "epp-select-server listening on ", $listener->sockhost, ":", $listener->sockport, "\n";
printf STDERR "epp-select-server: libepp %s (%s), style %s, %d registrar(s), %d message(s)\n",
    LibEPP::version(), LibEPP::library_path(), $style, scalar(keys %password), scalar(@messages);

while (!$stopping) {
    my $now = now_ms();
    my $next;
    my $rsel = IO::Select->new($listener);
    my $wsel = IO::Select->new;
    for my $c (values %conns) {
        my @t;
        if ($c->{closing_until}) {
            $rsel->add($c->{sock});
            @t = ($c->{closing_until});
        } else {
            my $s = $c->{session};
            $rsel->add($c->{sock}) if $s->wants_input;    # backpressure: read only then
            $wsel->add($c->{sock}) if $s->output_length;
            @t = grep { defined } $s->next_timeout,
                 ($c->{stalled_since} ? $c->{stalled_since} + WRITE_TIMEOUT_MS : undef);
        }
        for (@t) { $next = $_ if !defined $next || $_ < $next }
    }
    my $timeout = defined $next ? ($next <= $now ? 0 : ($next - $now) / 1000) : 60;
    $timeout = 60 if $timeout > 60;
    my ($readable, $writable) = IO::Select->select($rsel, $wsel, undef, $timeout);
    $now = now_ms();
    my %r = map { (fileno($_) => 1) } @{$readable || []};
    for my $fd (sort { $a <=> $b } keys %conns) {
        my $c = $conns{$fd};
        if ($c->{closing_until}) {
            drain_closing($fd) if $r{$fd};
            close_connection($fd) if $conns{$fd} && $now >= $c->{closing_until};
            next;
        }
        my $s = $c->{session};
        # read -> feed
        if ($r{$fd} && $s->wants_input) {
            $style eq 'srs' ? $s->input_event($now) : core_read($c, $now);
        }
        # the timer
        print STDERR "$c->{peer}: timed out\n" if $s->handle_timeout($now);
        # poll -> answer -> write
        delete $c->{stalled_since} if serve($c);
        # A client that takes none of its output for WRITE_TIMEOUT_MS must not
        # hold the connection (timeouts end the session, but its output would
        # wait forever).
        if (!$s->output_length) {
            delete $c->{stalled_since};
        } elsif (!$c->{stalled_since}) {
            $c->{stalled_since} = $now;
        } elsif ($now - $c->{stalled_since} >= WRITE_TIMEOUT_MS) {
            print STDERR "$c->{peer}: write timeout\n";
            $s->close;    # drops the output: finished
        }
        close_gently($fd, $now) if $s->is_finished;
    }
    accept_connections($listener) if $r{fileno($listener)};
}

printf STDERR "epp-select-server: stopping, %d connection(s) open\n", scalar(keys %conns);
close_connection($_) for keys %conns;
close($listener);
exit 0;
