package TestServer;

# Runs perl/examples/epp-select-server.pl in a child process on 127.0.0.1
# (port 0) for the tests that talk to it over raw sockets, and reads the
# child's resident set size.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use File::Temp qw(tempfile);
use FindBin;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

our @EXPORT = qw(start_server stop_server server_log rss_of mib);

my $SERVER = "$FindBin::Bin/../examples/epp-select-server.pl";
my $LIB    = "$FindBin::Bin/../lib";

# Every server started, killed at the end whatever happens.
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

sub _slurp { my ($f) = @_; open(my $fh, '<', $f) or return ''; local $/; return <$fh> }

# start_server($style, @args): { pid, port, log, style }
sub start_server {
    my ($style, @args) = @_;
    my ($log_fh, $log) = tempfile("libepp-perl-server-$style-XXXX", TMPDIR => 1, UNLINK => 1);
    pipe(my $from_server, my $to_test) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $from_server;
        open(STDOUT, '>&', $to_test) or die "stdout: $!";
        open(STDERR, '>&', $log_fh) or die "stderr: $!";
        exec($^X, "-I$LIB", $SERVER, '--listen', '127.0.0.1:0', '--style', $style,
             '--max-runtime', 150, @args) or POSIX::_exit(127);
    }
    push @children, $pid;
    close $to_test;
    my $line = eval {
        local $SIG{ALRM} = sub { die "no 'listening' line within 20s\n" };
        alarm 20;
        my $l = <$from_server>;
        alarm 0;
        $l;
    };
    alarm 0;
    croak "server ($style) did not start: " . ($@ || 'it exited') . "\n" . _slurp($log) if !defined $line;
    my ($port) = $line =~ /^epp-select-server listening on 127\.0\.0\.1:(\d+)$/
        or croak "unexpected first line: $line";
    return { pid => $pid, port => $port, log => $log, style => $style, out => $from_server };
}

# Stops the server with SIGTERM; returns its exit status.
sub stop_server {
    my ($srv) = @_;
    kill 'TERM', $srv->{pid};
    my $t = time;
    my $status;
    while (time - $t < 10) {
        if (waitpid($srv->{pid}, WNOHANG) != 0) { $status = $? >> 8; last }
        sleep 0.05;
    }
    @children = grep { $_ != $srv->{pid} } @children;
    return $status;
}

sub server_log { _slurp($_[0]{log}) }

# The resident set size of a process, in bytes (undef without /proc).
sub rss_of {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/status") or return undef;
    while (<$fh>) {
        return $1 * 1024 if /^VmRSS:\s+(\d+)\s+kB/;
    }
    return undef;
}

sub mib { sprintf('%.2f MiB', $_[0] / 1024 / 1024) }

1;
