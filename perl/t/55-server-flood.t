use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use IO::Select;
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_RCVBUF inet_aton pack_sockaddr_in);
use Time::HiRes qw(time sleep);

use TestEPP;
use TestServer;

# perl/examples/epp-select-server.pl over raw sockets, once per style:
#
# 1. A client pipelines <hello/> frames without reading a byte of the
#    responses. libepp stops handling input once 1 MiB of output waits and
#    then wants no input; the server must stop reading (it watches a socket
#    for reading only while its session wants input), so the client's
#    writes stall on TCP while the server's resident set size stays flat.
#    Once the client reads, every hello is answered, then the logout.
# 2. A client pipelines 200 hellos, a login, a logout and 250 KB more
#    frames, and reads slowly (4 KiB every 20 ms, through a small receive
#    buffer): the server must half-close and drain what the client
#    still sends before closing, or the kernel answers the unread input with
#    an RST and the client loses responses it had not read yet, the 1500
#    among them.

$SIG{PIPE} = 'IGNORE';
alarm(170);

plan skip_all => '/proc/PID/status is needed to measure memory' if !defined TestServer::rss_of($$);
# Measures, minutes of CPU on a busy machine: perl/t/run.sh runs it; the
# packaging runs (perl/t/packaging.sh) set LIBEPP_TEST_QUICK=1.
plan skip_all => 'LIBEPP_TEST_QUICK is set (perl/t/run.sh runs this test)' if $ENV{LIBEPP_TEST_QUICK};

use constant FLOOD_MAX  => 64 * 1024 * 1024;    # what the client would send if never held back
use constant STALL_SECS => 1.5;                # no write progress this long: held back
use constant RSS_BOUND  => 16 * 1024 * 1024;   # the server's growth allowed while flooded
use constant HELLOS_BEFORE_LOGIN => 200;

my $HELLO = frame(hello_xml());

# Counts the frames of a response stream, however it is cut.
sub counter { return { buf => '', frames => 0, greetings => 0, codes => [] } }

sub count_bytes {
    my ($c, $bytes) = @_;
    $c->{buf} .= $bytes;
    my $off = 0;
    my $have = length $c->{buf};
    while ($have - $off >= 4) {
        my $len = unpack('N', substr($c->{buf}, $off, 4));
        die "bad frame length $len" if $len < 5;
        last if $have - $off < $len;
        my $xml = substr($c->{buf}, $off + 4, $len - 4);
        $off += $len;
        $c->{frames}++;
        if (index($xml, '<greeting>') >= 0) {
            $c->{greetings}++;
        } else {
            push @{$c->{codes}}, result_code($xml);
        }
    }
    substr($c->{buf}, 0, $off, '');
    return;
}

# A non-blocking client socket; $rcvbuf: a small receive buffer (set before
# connecting, so the window offered is small too).
sub connect_client {
    my ($port, $rcvbuf) = @_;
    my $sock = IO::Socket::INET->new(Proto => 'tcp') or die "socket: $@";
    setsockopt($sock, SOL_SOCKET, SO_RCVBUF, pack('i', $rcvbuf)) or die "SO_RCVBUF: $!" if $rcvbuf;
    $sock->connect(pack_sockaddr_in($port, inet_aton('127.0.0.1'))) or die "connect: $!";
    $sock->blocking(0);
    return $sock;
}

sub would_block { $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR }

# Reads once into the counter; returns the bytes read (0 if none now). The
# end of the stream goes to $c->{end}: 'eof' or 'error: ...'.
sub read_some {
    my ($sock, $c, $max) = @_;
    my $n = sysread($sock, my $buf, $max // 65536);
    if (!defined $n) {
        $c->{end} = "error: $!" if !would_block();
        return 0;
    }
    if (!$n) {
        $c->{end} = 'eof';
        return 0;
    }
    count_bytes($c, $buf);
    return $n;
}

sub read_greeting {
    my ($sock, $c) = @_;
    my $t = time;
    while (!$c->{frames} && !$c->{end} && time - $t < 10) {
        IO::Select->new($sock)->can_read(1);
        read_some($sock, $c);
    }
    die "no greeting: " . ($c->{end} // 'timeout') if $c->{greetings} != 1;
}

# Writes $$out while the socket takes it and reads whatever is readable,
# until the output is written and the server closed (or $secs passed).
# Returns how the stream ended: 'eof', 'error: ...' or 'timeout'.
sub finish {
    my ($sock, $c, $out, $secs) = @_;
    my $t = time;
    my $sel = IO::Select->new($sock);
    while (time - $t < $secs) {
        IO::Select->select($sel, length($$out) ? $sel : undef, undef, 1);
        if (length $$out) {
            my $n = syswrite($sock, $$out, 262144);
            if (defined $n) {
                substr($$out, 0, $n, '');
            } elsif (!would_block()) {
                $$out = '';    # the server stopped reading for good
            }
        }
        1 while read_some($sock, $c);
        return $c->{end} if $c->{end};
    }
    return 'timeout';
}

for my $style (qw(core srs)) {
    my $srv = start_server($style, '--registrar', 'flood-registrar:flood-pw-1');
    note("server ($style) on port $srv->{port}");

    subtest "a pipelining client that does not read is held back, $style style" => sub {
        my $sock = connect_client($srv->{port});
        my $c = counter();
        read_greeting($sock, $c);
        # Logged in, so that the logout at the end is answered 1500.
        my $login = frame(login_xml(clid => 'flood-registrar', pw => 'flood-pw-1', cltrid => 'FLOOD-LOGIN'));
        syswrite($sock, $login) == length $login or die "write: $!";
        my $t = time;
        while (@{$c->{codes}} < 1 && !$c->{end} && time - $t < 10) {
            IO::Select->new($sock)->can_read(1);
            read_some($sock, $c);
        }
        is_deeply($c->{codes}, [1000], 'login: 1000');
        sleep 0.2;
        my $rss0 = rss_of($srv->{pid});

        my $chunk = $HELLO x 1000;
        my ($sent, $hellos, $pending) = (0, 0, '');
        my $t0 = time;
        my $progress = time;
        my $wsel = IO::Select->new($sock);
        while ($sent < FLOOD_MAX) {
            if ($pending eq '') {
                $pending = $chunk;
                $hellos += 1000;
            }
            my $n = syswrite($sock, $pending);
            if ($n) {
                substr($pending, 0, $n, '');
                $sent += $n;
                $progress = time;
                next;
            }
            die "write: $!" if !would_block();
            last if time - $progress > STALL_SECS;
            $wsel->can_write(0.25);
        }
        my $flood_secs = time - $t0;
        my $rss1 = rss_of($srv->{pid});
        diag(sprintf("%s: the client wrote %s (%d hellos queued) in %.2fs before it was held back; "
                     . "server RSS %s before, %s while flooded, growth %s (bound %s)",
                     $style, mib($sent), $hellos, $flood_secs, mib($rss0), mib($rss1), mib($rss1 - $rss0),
                     mib(RSS_BOUND)));
        ok($sent < FLOOD_MAX, "the client's writes stalled after " . mib($sent) . ', not ' . mib(FLOOD_MAX));
        ok($rss1 - $rss0 < RSS_BOUND, 'the server\'s RSS grew by ' . mib($rss1 - $rss0) . ', less than '
           . mib(RSS_BOUND));
        is($c->{frames}, 2, 'the client read nothing but the greeting and the login response');
        if ($sent >= FLOOD_MAX) {
            fail('the server read everything: answering it would take minutes, skipped');
            close($sock);
            return;
        }

        # Now the client reads: every hello is answered, then the logout.
        my $out = $pending . frame(logout_xml('FLOOD-LOGOUT'));
        $t0 = time;
        my $end = finish($sock, $c, \$out, 90);
        my $rss2 = rss_of($srv->{pid});
        diag(sprintf("%s: %d responses read in %.2fs; server RSS %s after", $style, $c->{frames},
                     time - $t0, mib($rss2)));
        is($end, 'eof', 'the server closed the connection after the logout');
        is($c->{greetings}, $hellos + 1, "all $hellos hellos answered (and the first greeting)");
        is_deeply($c->{codes}, [1000, 1500], 'then the logout: 1500');
        is(length $c->{buf}, 0, 'no partial frame');
        ok($rss2 - $rss0 < RSS_BOUND, 'the server\'s RSS after answering: growth ' . mib($rss2 - $rss0));
        close($sock);
    };

    subtest "a finished session drains before closing: the 1500 reaches a slow reader, $style style" => sub {
        # A small receive buffer: the responses to the hellos (130 KB) do
        # not fit in it, so some are still in the server's send buffer when
        # the session finishes; a close() with unread input would discard
        # them with an RST.
        my $sock = connect_client($srv->{port}, 8192);
        my $c = counter();
        read_greeting($sock, $c);
        my $extra = $HELLO x int(250_000 / length $HELLO);
        my $out = ($HELLO x HELLOS_BEFORE_LOGIN)
                . frame(login_xml(clid => 'flood-registrar', pw => 'flood-pw-1', cltrid => 'LINGER-LOGIN'))
                . frame(logout_xml('LINGER-LOGOUT')) . $extra;
        my $total = length $out;

        # Write everything without reading.
        my $t0 = time;
        my $wsel = IO::Select->new($sock);
        my $write_error;
        while (length $out && time - $t0 < 20) {
            my $n = syswrite($sock, $out);
            if ($n) { substr($out, 0, $n, ''); next }
            if (!would_block()) { $write_error = "$!"; last }
            $wsel->can_write(0.25);
        }
        note(sprintf("wrote %d of %d bytes in %.2fs%s", $total - length $out, $total, time - $t0,
                     defined $write_error ? " (write: $write_error)" : ''));
        ok(!defined $write_error, 'the server did not reset the connection while the client wrote')
            or diag("write: $write_error");

        # Then read slowly: 4 KiB every 20 ms, after a pause.
        sleep 0.3;
        my $t1 = time;
        while (!$c->{end} && time - $t1 < 30) {
            IO::Select->new($sock)->can_read(1);
            read_some($sock, $c, 4096);
            sleep 0.02;
        }
        my $end = $c->{end};
        note(sprintf("read for %.2fs: %s", time - $t1, $end // 'timeout'));
        is($end, 'eof', 'the stream ended with an end of file, not a reset');
        is($c->{greetings}, HELLOS_BEFORE_LOGIN + 1, 'the greeting and the ' . HELLOS_BEFORE_LOGIN
           . ' hellos before the login answered');
        is_deeply($c->{codes}, [1000, 1500], 'login 1000, then logout 1500: nothing lost');
        close($sock);
    };

    my $status = stop_server($srv);
    is($status, 0, "the server ($style) stopped cleanly on SIGTERM");
    my $log = server_log($srv);
    like($log, qr/session ends: client logged out/, 'the sessions ended with the logouts');
    diag("server log ($style):\n" . substr($log, 0, 4000)) if !Test::More->builder->is_passing;
}

done_testing;
