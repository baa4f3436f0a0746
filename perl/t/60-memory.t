use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use POSIX ();
use Time::HiRes qw(time);

use LibEPP::Session;
use LibEPP::RegistrarSessions;
use TestEPP;

# Creating and freeing 10,000 sessions from Perl leaves memory flat: the
# resident set size (/proc/self/statm) after a warm-up and after the
# 10,000 differs by less than a small bound.

plan skip_all => '/proc/self/statm is needed to measure memory' if !-r '/proc/self/statm';
# Measures, minutes of CPU on a busy machine: perl/t/run.sh runs it; the
# packaging runs (perl/t/packaging.sh) set LIBEPP_TEST_QUICK=1.
plan skip_all => 'LIBEPP_TEST_QUICK is set (perl/t/run.sh runs this test)' if $ENV{LIBEPP_TEST_QUICK};

my $PAGE = POSIX::sysconf(POSIX::_SC_PAGESIZE()) || 4096;
my $BOUND = 2 * 1024 * 1024;    # 2 MiB
my $N = 10_000;

sub rss {
    open(my $fh, '<', '/proc/self/statm') or die "statm: $!";
    my (undef, $resident) = split ' ', scalar <$fh>;
    return $resident * $PAGE;
}

sub mib { sprintf('%.2f MiB', $_[0] / 1024 / 1024) }

my $counter = LibEPP::RegistrarSessions->new(1_000_000);
my $server = test_server(test_config(transaction_log => 1), registrar_sessions => $counter);
my $login = frame(login_xml(clid => 'mem-registrar', cltrid => 'MEM-0001'));
my $work = frame(poll_req_xml('MEM-0002')) . frame(hello_xml()) . frame(logout_xml('MEM-0003'));

# One session made and freed; $full also logs in (with a security event),
# polls (a message with structured content), says hello and logs out, so
# requests, responses, security events, poll messages and transactions are
# made and freed too.
sub one_session {
    my ($full) = @_;
    my $s = LibEPP::Session->new(server => $server, now => NOW);
    my $out = $s->drain_output;
    return length $out if !$full;
    $s->feed_input($login, NOW);
    my $r = $s->poll_queue;
    $r->answer_login('accepted', { type => 'cipher', value => 'RC4', text => 'memory test event' });
    $s->feed_input($work, NOW);
    while (my $q = $s->poll_queue) {
        $q->answer_poll_message(id => 1, count => 1, queued_at => NOW, text => 'memory test message',
                                msg_xml => '<domain:name xmlns:domain="' . DOMAIN_NS . '">m.example</domain:name>')
            if $q->is_poll;
    }
    $out .= $s->drain_output;
    1 while $s->poll_transaction;
    die "session not finished" if !$s->is_finished;
    return length $out;
}

sub round {
    my ($n, $full) = @_;
    my $bytes = 0;
    $bytes += one_session($full) for 1 .. $n;
    return $bytes;
}

# Warm-up: Perl's and the allocator's pools, lazily loaded code.
round(1000, 0);
round(500, 1);

my $t = time;
my $before = rss();
my $bytes = round($N, 0);
my $after = rss();
my $elapsed = time - $t;
my $growth = $after - $before;
diag(sprintf("10,000 sessions created and freed in %.2fs: RSS %s before, %s after, growth %s "
             . "(bound %s); %d greeting bytes taken",
             $elapsed, mib($before), mib($after), mib($growth), mib($BOUND), $bytes));
ok($growth < $BOUND, "RSS growth over $N sessions below 2 MiB: " . mib($growth));

$t = time;
$before = rss();
$bytes = round($N, 1);
$after = rss();
$elapsed = time - $t;
$growth = $after - $before;
diag(sprintf("10,000 full sessions (login with an event, poll message, hello, logout) in %.2fs: RSS %s before, %s after, "
             . "growth %s (bound %s); %d output bytes",
             $elapsed, mib($before), mib($after), mib($growth), mib($BOUND), $bytes));
ok($growth < $BOUND, "RSS growth over $N full sessions below 2 MiB: " . mib($growth));
is($counter->count('mem-registrar'), 0, 'every session released its registrar slot (they were all freed)');

# 10,000 sessions alive at once, freed together, twice: the second round
# reuses the memory of the first.
{
    my @live = map { LibEPP::Session->new(server => $server, now => NOW) } 1 .. $N;
    my $peak = rss();
    @live = ();
    my $first = rss();
    @live = map { LibEPP::Session->new(server => $server, now => NOW) } 1 .. $N;
    my $peak2 = rss();
    @live = ();
    my $second = rss();
    diag(sprintf("10,000 live sessions at once: peak %s then %s after freeing; second round peak %s then %s",
                 mib($peak), mib($first), mib($peak2), mib($second)));
    ok($peak2 - $peak < $BOUND, 'a second round of 10,000 live sessions needs no more memory: '
        . mib($peak2 - $peak));
    ok($second - $first < $BOUND, 'and leaves none behind: ' . mib($second - $first));
}

done_testing;
