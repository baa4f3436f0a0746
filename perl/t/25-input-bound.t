use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use Errno ();
use POSIX ();

use LibEPP::Session;
use TestEPP;

# The session's input buffer is bounded by max_buffered: input() refuses
# bytes beyond it, and input_event() reads nothing while it is full, so a
# client pipelining without reading its responses cannot grow the host's
# memory. Driven here in memory, through an io object whose client sends
# an endless stream of <hello/> frames and, at first, reads nothing.

sub error_of { my ($code) = @_; return eval { $code->(); 1 } ? undef : $@ }

my $config = test_config();
my $HELLO = frame(hello_xml());

# ---------------------------------------------------------------------
# The option
# ---------------------------------------------------------------------
{
    my $s = new_session($config);
    is($s->max_buffered, 262144, 'max_buffered defaults to 256 KiB');
    is($s->input_room, 262144, 'input_room: all of it');
    is(new_session($config, max_buffered => 1000)->max_buffered, 1000, 'max_buffered => 1000');
    for my $bad (0, -1, 'many', 1.5) {
        like(error_of(sub { new_session($config, max_buffered => $bad) }),
             qr/max_buffered must be a positive integer/, "max_buffered => $bad is refused");
    }
    like(error_of(sub { new_session($config, read_size => 0) }), qr/read_size must be a positive integer/,
         'read_size => 0 is refused');
}

# ---------------------------------------------------------------------
# input(): buffering stops at max_buffered.
# ---------------------------------------------------------------------
{
    my $s = greet($config, max_buffered => 1000);
    my $login = feed_all($s, login_xml(cltrid => 'CAP-LOGIN'));
    ok($login && $login->is_login, 'a login: input is held back until it is answered');
    my $n = int(1000 / length $HELLO);
    is($s->input($HELLO x $n, NOW), 0, "$n hellos buffered, none taken");
    is($s->buffered_input, $n * length $HELLO, 'buffered_input');
    is($s->input_room, 1000 - $n * length $HELLO, 'input_room: what is left');
    my $more = substr($HELLO, 0, $s->input_room + 1);
    my $e = error_of(sub { $s->input($more, NOW) });
    like($e, qr/^LibEPP::Session->input: \d+ more bytes would buffer 1001, over max_buffered \(1000\); none of them was taken/,
         'input() croaks beyond the cap');
    is($s->buffered_input, $n * length $HELLO, '... and buffered none of the bytes');
    is($s->input(substr($HELLO, 0, $s->input_room), NOW), 0, 'up to the cap exactly is accepted');
    is($s->input_room, 0, 'input_room: 0');
    like(error_of(sub { $s->input('x', NOW) }), qr/over max_buffered/, 'one byte more croaks');

    $login->answer_login('accepted');
    ok($s->input(undef, NOW) > 0, 'answered: the buffer is fed');
    is($s->input_room, 1000 - ($s->buffered_input), 'room again');
    my @f = unframe($s->drain_output);
    is(result_code($f[0]), 1000, 'login answered');
    is(scalar(grep { is_greeting($_) } @f), $n, "the $n buffered hellos answered");

    # The bytes that croaked were not taken: given again, they are.
    $s->input(substr($HELLO, 1000 - $n * length($HELLO)), NOW);
    @f = unframe($s->drain_output);
    ok(@f == 1 && is_greeting($f[0]), 'the rest of the split hello, given again, completes it');

    # A session that reads no more drops input, whatever its size.
    $s->input(frame(logout_xml('CAP-LOGOUT')), NOW);
    1 while $s->poll_queue;
    $s->drain_output;
    is($s->input('y' x 5000, NOW), 0, 'a closed session drops input beyond the cap without croaking');
    is($s->buffered_input, 0, '... and buffers none');
}

# ---------------------------------------------------------------------
# input_event(): a client sending an endless stream of hellos, not reading.
# ---------------------------------------------------------------------
{
    package FloodIO;
    # read($n): up to $n bytes of the client's stream (at most $limit in all);
    # write: EAGAIN while blocked, else counts the frames written.
    sub new {
        my ($class, $unit, $limit) = @_;
        return bless { unit => $unit, limit => $limit, pos => 0, read => 0, max_asked => 0,
                       blocked => 1, out => '', frames => 0, greetings => 0, other => [] }, $class;
    }
    sub read {
        my ($self, $n) = @_;
        $self->{max_asked} = $n if $n > $self->{max_asked};
        my $left = $self->{limit} - $self->{read};
        if ($left <= 0) { $! = Errno::EAGAIN(); return undef }
        $n = $left if $n > $left;
        my $u = length $self->{unit};
        my $data = '';
        while (length($data) < $n) {
            my $take = $u - $self->{pos};
            $take = $n - length($data) if $take > $n - length($data);
            $data .= substr($self->{unit}, $self->{pos}, $take);
            $self->{pos} = ($self->{pos} + $take) % $u;
        }
        $self->{read} += length $data;
        return $data;
    }
    sub write {
        my ($self, $data) = @_;
        if ($self->{blocked}) { $! = Errno::EAGAIN(); return undef }
        $self->{out} .= $data;
        my $off = 0;
        while (length($self->{out}) - $off >= 4) {
            my $len = unpack('N', substr($self->{out}, $off, 4));
            last if length($self->{out}) - $off < $len;
            my $xml = substr($self->{out}, $off + 4, $len - 4);
            $off += $len;
            $self->{frames}++;
            if ($xml =~ /<greeting>/) { $self->{greetings}++ } else { push @{$self->{other}}, $xml }
        }
        substr($self->{out}, 0, $off, '');
        return length $data;
    }
    package main;
}

sub rss {
    open(my $fh, '<', '/proc/self/statm') or return undef;
    my (undef, $resident) = split ' ', scalar <$fh>;
    return $resident * (POSIX::sysconf(POSIX::_SC_PAGESIZE()) || 4096);
}

sub mib { sprintf('%.2f MiB', $_[0] / 1024 / 1024) }

{
    my $unit = $HELLO x 1000;
    my $hellos = 64 * 1000;                       # 5.8 MB: what the client sends in all
    my $io = FloodIO->new($unit, $hellos * length $HELLO);
    my $s = LibEPP::Session->new(config => $config, now => NOW, clock => sub { NOW }, io => $io,
                                 on_request => sub { die "no request expected: " . $_[1]->kind_name });
    $s->connected;
    my $rss0 = rss();
    my ($max_buffered, $events, $idle) = (0, 0, 0);
    while ($events < 5000) {
        $events++;
        my $read_before = $io->{read};
        $s->input_event;
        $s->output_event;
        $s->process_queue;
        $max_buffered = $s->buffered_input if $s->buffered_input > $max_buffered;
        # The loop of a server that still asks: stop once nothing is read.
        $idle = $io->{read} == $read_before ? $idle + 1 : 0;
        last if $idle >= 20;
    }
    my $rss1 = rss();
    diag(sprintf("not reading: the session read %s of %s in %d events; buffered at most %s; "
                 . "%s of output waiting; RSS %s before, growth %s",
                 mib($io->{read}), mib($hellos * length $HELLO), $events, mib($max_buffered),
                 mib($s->output_length), mib($rss0 // 0), mib(($rss1 // 0) - ($rss0 // 0))));
    ok($max_buffered <= $s->max_buffered, "buffered input never exceeded max_buffered: $max_buffered bytes");
    ok($io->{max_asked} <= 65536, 'never asked io for more than read_size');
    ok($idle >= 20, 'input_event stopped reading');
    ok($io->{read} < 2 * 1024 * 1024, 'it read ' . mib($io->{read}) . ' (the output limit\'s worth plus '
       . 'the buffer), not the ' . mib($hellos * length $HELLO) . ' sent');
    is($io->{frames}, 0, 'the client read nothing');
    SKIP: {
        skip '/proc/self/statm is needed to measure memory', 1 if !defined $rss0;
        ok($rss1 - $rss0 < 8 * 1024 * 1024, 'RSS growth ' . mib($rss1 - $rss0) . ', below 8 MiB');
    }

    # The client reads now: everything is answered.
    $io->{blocked} = 0;
    $s->output_event;
    $s->process_queue;    # feeds what was held back while output waited
    $events = 0;
    while ($events < 100_000) {
        $events++;
        $s->input_event;
        $s->output_event;
        $s->process_queue;
        $s->send_pending_replies;
        last if $io->{read} == $io->{limit} && !$s->buffered_input && !$s->output_length;
        $max_buffered = $s->buffered_input if $s->buffered_input > $max_buffered;
    }
    is($io->{read}, $io->{limit}, 'the whole stream was read');
    is($s->buffered_input, 0, 'nothing left buffered');
    is($io->{greetings}, $hellos + 1, "all $hellos hellos answered (and the greeting)");
    is_deeply($io->{other}, [], 'nothing else');
    ok($max_buffered <= $s->max_buffered, 'buffered input stayed within max_buffered throughout');
}

# ---------------------------------------------------------------------
# A full buffer: input_event reads nothing but re-feeds, dispatches, writes.
# ---------------------------------------------------------------------
{
    my $io = FloodIO->new($HELLO, 100 * length $HELLO);
    $io->{blocked} = 0;
    my @seen;
    my $s = LibEPP::Session->new(config => $config, now => NOW, clock => sub { NOW }, io => $io,
                                 max_buffered => 400, read_size => 4000,
                                 on_request => sub { push @seen, $_[1] });
    $s->connected;
    # A login held back with the host keeps everything after it buffered.
    $s->input(frame(login_xml(cltrid => 'FULL-LOGIN')));
    is(scalar @seen, 0, 'no dispatch yet (input() does not dispatch)');
    $s->process_queue;
    is(scalar @seen, 1, 'the login is with the host');
    ok(!$s->input_event, 'input_event reads, but completes no frame: held back behind the login');
    is($io->{read}, 400, 'only input_room bytes were read, not read_size');
    is($s->input_room, 0, 'the buffer is full');
    ok(!$s->input_event, 'a full buffer: input_event does not read');
    is($io->{read}, 400, 'nothing more read');
    $seen[0]->answer_login('accepted');
    ok($s->input_event, 'answered: input_event feeds the buffer (and completes frames)');
    is($s->buffered_input, 0, 'the buffer is empty');
    is($io->{read}, 400, 'and did not read in the same call');
    for (1 .. 1000) {
        $s->input_event;
        last if $io->{read} == $io->{limit} && !$s->buffered_input;
    }
    is($io->{greetings}, 101, 'every hello answered');
}

done_testing;
