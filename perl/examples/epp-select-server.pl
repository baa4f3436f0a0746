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
# --style picks how connections are driven:
#   core  the C API's verbs: sysread + input, poll_queue + answers,
#         take_output + syswrite + consume_output (the default);
#   srs   SRS::EPP::Session's shape: the session owns the socket (io =>) and
#         a request handler (on_request =>); the loop calls connected,
#         input_event and output_event, as SRS::EPP::Proxy's event loop does,
#         then process_queue and send_pending_replies.
#
# Backpressure: when libepp takes no more input (too much output waits for a
# client that does not read, a login is being decided), the bytes read stay
# in the session's input buffer, bounded by max_buffered (256 KiB). A socket
# is watched for reading only while that buffer has room (input_room), so a
# client that pipelines without reading is held back by TCP, not by this
# process's memory. Output written lets the session take the buffered input:
# the loop feeds it again after every write.
#
# Closing: once a session is finished, the socket is half-closed
# (shutdown SHUT_WR: the client sees the end of file after the last
# response), then what the client still sends is read and discarded for up to
# 1 s or 256 KiB, or until its end of file, and only then closed: closing with
# unread input makes the kernel send an RST, which can destroy responses
# already written (the 1500 to a logout followed by pipelined commands).
use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../lib";

use Getopt::Long qw(GetOptions);
use IO::Select;
use IO::Socket::INET;
use LibEPP qw(now_ms);
use LibEPP::Config;
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
        my @mine = messages_of($session->user // '');
        if (@mine) {
            $req->answer_poll_message(id => $mine[0]{id}, count => scalar(@mine),
                                      queued_at => $mine[0]{queued_at}, text => $mine[0]{text});
        } else {
            $req->answer_poll_empty;
        }
    } elsif ($kind eq 'poll_ack') {
        my $clid = $session->user // '';
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

my %conns;    # fileno => { sock, session, peer, eof }; lingering: { sock, peer, linger_until, linger_left }

use constant LINGER_MS    => 1000;      # how long a finished connection is drained before close
use constant LINGER_BYTES => 262144;    # and how much of the client's input is discarded at most

my $config = LibEPP::Config->new(
    server_id       => 'libepp Perl example server',
    object_uris     => [$DOMAIN_NS, 'urn:ietf:params:xml:ns:contact-1.0',
                        'urn:ietf:params:xml:ns:host-1.0'],
    sv_trid_prefix  => 'PEX',
    sv_trid_epoch   => $start,
    transaction_log => 1,
    ($max_sessions > 0 ? (max_sessions_per_registrar => $max_sessions) : ()),
);

sub log_transactions {
    my ($c) = @_;
    while (my $t = $c->{session}->poll_transaction) {
        printf STDERR "%s: clID=%s command=%s code=%d svTRID=%s\n", $c->{peer},
            $t->client_id // '-', $t->command, $t->result_code, $t->server_transaction_id // '-';
    }
}

# core style: the four verbs.
sub core_read {
    my ($c) = @_;
    # Never more than the session's input buffer has room for (the socket is
    # watched only while there is some): input() refuses to buffer more.
    my $size = $c->{session}->input_room;
    $size = 65536 if $size > 65536;
    return if !$size;
    my $n = sysread($c->{sock}, my $buf, $size);
    if (!defined $n) {
        return if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
        print STDERR "$c->{peer}: read: $!\n";
        $c->{session}->handle_eof;
    } elsif ($n == 0) {
        $c->{session}->handle_eof;
    } else {
        $c->{session}->input($buf);
    }
}

sub core_pump {
    my ($c) = @_;
    my $s = $c->{session};
    while (1) {
        while (my $req = $s->poll_queue) {
            decide($s, $req, $c->{peer});
        }
        # Answers free input held back (a login): feed it, and decide again
        # if it made requests.
        last if !$s->buffered_input || !$s->input;
    }
}

sub core_flush {
    my ($c) = @_;
    my $s = $c->{session};
    while (length(my $out = $s->take_output)) {
        my $w = syswrite($c->{sock}, $out);
        if (!defined $w) {
            return if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
            print STDERR "$c->{peer}: write: $!\n";
            $s->close;
            return;
        }
        $s->consume_output($w);
        return if $w < length $out;
    }
}

sub accept_connections {
    my ($listener) = @_;
    while (my $sock = $listener->accept) {
        $sock->blocking(0);
        my $peer = $sock->peerhost . ':' . $sock->peerport;
        my $c = { sock => $sock, peer => $peer };
        if ($style eq 'srs') {
            $c->{session} = LibEPP::Session->new(
                config     => $config,
                io         => $sock,
                on_request => sub { decide($_[0], $_[1], $peer) },
            );
            $c->{session}->connected;    # writes the greeting
        } else {
            $c->{session} = LibEPP::Session->new(config => $config);
            core_flush($c);              # the greeting
        }
        $conns{fileno($sock)} = $c;
        log_transactions($c);
    }
}

# Hands the requests to the back end and feeds input held back; then writes.
sub pump  { my ($c) = @_; $style eq 'srs' ? $c->{session}->process_queue : core_pump($c) }
sub flush { my ($c) = @_; $style eq 'srs' ? $c->{session}->send_pending_replies : core_flush($c) }

sub service {
    my ($c) = @_;
    my $s = $c->{session};
    pump($c);
    flush($c);
    # All output written and input still held back (the session refused it
    # while output waited): feed it now, or nothing would wake this
    # connection (its socket is not watched for reading while the buffer is
    # full, nor for writing with nothing to write).
    while ($s->buffered_input && !$s->output_length && !$s->is_finished) {
        my $before = $s->buffered_input;
        pump($c);
        flush($c);
        last if $s->buffered_input >= $before;
    }
}

sub close_connection {
    my ($fd) = @_;
    my $c = delete $conns{$fd} or return;
    close($c->{sock});
}

# The session is finished: half-close, and drain before closing (see the
# top of the file), unless the client has already closed its side.
sub start_lingering {
    my ($fd, $now) = @_;
    my $c = $conns{$fd};
    my $eof = $c->{eof} || $c->{session}->eof_seen;
    delete $c->{session};    # frees it (and its input buffer)
    return close_connection($fd) if $eof;
    shutdown($c->{sock}, 1);  # SHUT_WR: a FIN after the last byte written
    $c->{linger_until} = $now + LINGER_MS;
    $c->{linger_left} = LINGER_BYTES;
}

sub linger_read {
    my ($fd) = @_;
    my $c = $conns{$fd};
    while (1) {
        my $n = sysread($c->{sock}, my $buf, 65536);
        if (!defined $n) {
            return if $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR};
            return close_connection($fd);    # reset by the client
        }
        return close_connection($fd) if $n == 0;    # the client's end of file
        $c->{linger_left} -= $n;
        return close_connection($fd) if $c->{linger_left} <= 0;
    }
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
        if ($c->{linger_until}) {
            $rsel->add($c->{sock});
            $next = $c->{linger_until} if !defined $next || $c->{linger_until} < $next;
            next;
        }
        my $s = $c->{session};
        # Read only while the session's input buffer has room: backpressure.
        $rsel->add($c->{sock}) if !$s->eof_seen && !$c->{eof} && $s->input_room;
        $wsel->add($c->{sock}) if $s->output_length;
        my $t = $s->next_timeout;
        $next = $t if defined $t && (!defined $next || $t < $next);
    }
    my $timeout = defined $next ? ($next <= $now ? 0 : ($next - $now) / 1000) : 60;
    $timeout = 60 if $timeout > 60;
    my ($readable, $writable) = IO::Select->select($rsel, $wsel, undef, $timeout);
    $now = now_ms();
    my %r = map { (fileno($_) => 1) } @{$readable || []};
    my %w = map { (fileno($_) => 1) } @{$writable || []};
    for my $fd (sort { $a <=> $b } keys %conns) {
        my $c = $conns{$fd};
        if ($c->{linger_until}) {
            linger_read($fd) if $r{$fd};
            close_connection($fd) if $conns{$fd} && $now >= $c->{linger_until};
            next;
        }
        my $s = $c->{session};
        if ($style eq 'srs') {
            $s->input_event($now) if $r{$fd};
            $s->output_event if $w{$fd};
        } else {
            if ($r{$fd}) {
                core_read($c);
                $c->{eof} = 1 if $s->eof_seen;
            }
            core_pump($c);
        }
        print STDERR "$c->{peer}: timed out\n" if $s->handle_timeout($now);
        # Dispatch (the session_end after a timeout, and in the srs style
        # process_queue after output_event: input held back while output
        # waited is fed once it drains), then write.
        service($c);
        log_transactions($c);
        start_lingering($fd, $now) if $s->is_finished;
    }
    accept_connections($listener) if $r{fileno($listener)};
}

printf STDERR "epp-select-server: stopping, %d connection(s) open\n", scalar(keys %conns);
close_connection($_) for keys %conns;
close($listener);
exit 0;
