use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use Errno ();
use POSIX ();

use LibEPP qw(:result);
use LibEPP::Session;
use TestEPP;

# The engine owns the input: feed_input takes every byte, the session holds
# what it cannot handle yet, and wants_input tells the host whether to read.
# A feed made while the session wants no input that would hold more than
# max_buffered_input is refused whole (InputBufferFull). Driven here in
# memory, and through input_event with an io object whose client sends an
# endless stream of <hello/> frames and, at first, reads nothing.

sub error_of { my ($code) = @_; return eval { $code->(); 1 } ? undef : $@ }

my $HELLO = frame(hello_xml());

# ---------------------------------------------------------------------
# Backpressure behind a login, and the cap on what is held.
# ---------------------------------------------------------------------
{
    my $limit = 262144;
    my $s = greet(test_config(limits => { max_buffered_input => $limit }));
    ok($s->wants_input, 'a new session wants input');
    is($s->buffered_input, 0, 'and holds nothing');
    my $login = feed_all($s, login_xml(cltrid => 'CAP-LOGIN'));
    ok($login && $login->is_login, 'a login is with the host');
    ok(!$s->wants_input, 'the session wants no input while the login is with the host');

    # Read on regardless: up to the cap is held.
    my $n = int($limit / length $HELLO);
    $s->feed_input($HELLO x $n, NOW);
    is($s->buffered_input, $n * length $HELLO, "$n hellos held, none handled");
    is($s->poll_queue, undef, 'no request');
    my $room = $limit - $s->buffered_input;
    my $e = error_of(sub { $s->feed_input('x' x ($room + 1), NOW) });
    isa_ok($e, 'LibEPP::Error::InputBufferFull', 'one byte past max_buffered_input');
    is($e->code, EPP_RESULT_INPUT_BUFFER_FULL, '... EPP_RESULT_INPUT_BUFFER_FULL');
    like("$e", qr/epp_session_feed_input: the session holds the most input it may; read only while it wants input/,
         "... with libepp's text: $e");
    is($s->buffered_input, $n * length $HELLO, '... and none of the bytes was taken');
    $s->feed_input(substr($HELLO, 0, $room), NOW);
    is($s->buffered_input, $limit, 'up to the cap exactly is taken');
    isa_ok(error_of(sub { $s->feed_input('x', NOW) }), 'LibEPP::Error::InputBufferFull', 'one byte more is not');
    ok(!$s->wants_input, 'still no input wanted');

    # The answer lets the held input through, inside the answer, up to
    # max_pending_output (1 MiB) of responses; taking them lets the rest through.
    is($login->answer_login('accepted'), 1000, 'login answered');
    ok($s->buffered_input < $limit, 'the answer let held input through: ' . $s->buffered_input . ' bytes left');
    my @f;
    for (1 .. 100) {
        my $out = $s->drain_output;
        last if !length $out;
        push @f, unframe($out);
    }
    is($s->buffered_input, $room, 'the whole hellos were handled; the start of one is held');
    ok($s->wants_input, 'input wanted again');
    is(result_code($f[0]), 1000, 'the login response first');
    is(scalar(grep { is_greeting($_) } @f), $n, "then the $n held hellos answered");
    $s->feed_input(substr($HELLO, $room), NOW);
    @f = unframe($s->drain_output);
    ok(@f == 1 && is_greeting($f[0]), 'the rest of the split hello completes it');
}

# ---------------------------------------------------------------------
# The default cap is 512 KiB.
# ---------------------------------------------------------------------
{
    my $s = greet(test_config());
    feed_all($s, login_xml());
    $s->feed_input('x' x 524288, NOW);
    is($s->buffered_input, 524288, '512 KiB held by default');
    isa_ok(error_of(sub { $s->feed_input('x', NOW) }), 'LibEPP::Error::InputBufferFull', 'one byte more is refused');
}

# ---------------------------------------------------------------------
# A feed made while the session wants input is taken whatever its size.
# ---------------------------------------------------------------------
{
    my $s = greet(test_config(limits => { max_buffered_input => 262144 }));
    login_ok($s);
    ok($s->wants_input, 'logged in: input wanted');
    my $count = 20000;    # 1.8 MB of hellos: 3.3 MB of greetings, past max_pending_output
    my $big = $HELLO x $count;
    $s->feed_input($big, NOW);
    ok($s->buffered_input > 262144, 'all taken, more held than max_buffered_input: ' . $s->buffered_input);
    ok(!$s->wants_input, 'too much output waiting: no input wanted');
    ok($s->output_length >= 1048576, 'output waits: ' . $s->output_length . ' bytes');
    isa_ok(error_of(sub { $s->feed_input($HELLO, NOW) }), 'LibEPP::Error::InputBufferFull',
           'a feed now, past the cap, is refused');
    my $greetings = 0;
    for (1 .. 1000) {
        my $out = $s->drain_output;    # consuming output lets held input through
        last if !length $out;
        $greetings += grep { is_greeting($_) } unframe($out);
    }
    is($greetings, $count, "every one of the $count hellos answered as output was taken");
    is($s->buffered_input, 0, 'nothing held');
    ok($s->wants_input, 'input wanted again');
}

# ---------------------------------------------------------------------
# max_in_flight: the session takes no more frames past it.
# ---------------------------------------------------------------------
{
    my $s = greet(test_config(limits => { max_in_flight => 2 }));
    login_ok($s);
    $s->feed_input(join('', map { frame(poll_req_xml("INF-000$_")) } 1 .. 5), NOW);
    my @r = $s->poll_requests;
    is(scalar @r, 2, 'two polls handed out (max_in_flight 2)');
    ok(!$s->wants_input, 'no input wanted');
    ok($s->buffered_input > 0, 'the other three held: ' . $s->buffered_input . ' bytes');
    $_->answer_poll_empty for @r;
    push @r, $s->poll_requests;
    is(scalar @r, 4, 'answers let two more through');
    $_->answer_poll_empty for @r[2, 3];
    push @r, $s->poll_requests;
    is(scalar @r, 5, 'and the last');
    $r[4]->answer_poll_empty;
    is_deeply([map { cltrid_of($_) } unframe($s->drain_output)], [map { "INF-000$_" } 1 .. 5],
              'five responses in order');
    ok($s->wants_input, 'input wanted');
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
    my $s = LibEPP::Session->new(server => test_server(), now => NOW, clock => sub { NOW }, io => $io,
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
    diag(sprintf("not reading: the session read %s of %s in %d events; held at most %s; "
                 . "%s of output waiting; RSS %s before, growth %s",
                 mib($io->{read}), mib($hellos * length $HELLO), $events, mib($max_buffered),
                 mib($s->output_length), mib($rss0 // 0), mib(($rss1 // 0) - ($rss0 // 0))));
    ok(!$s->wants_input, 'the session wants no input');
    ok($max_buffered <= 524288 + 65536, "input held never exceeded max_buffered_input plus a read: $max_buffered bytes");
    ok($io->{max_asked} <= 65536, 'never asked io for more than read_size');
    ok($idle >= 20, 'input_event stopped reading');
    ok($io->{read} < 2 * 1024 * 1024, 'it read ' . mib($io->{read}) . ' (the output limit\'s worth), not the '
       . mib($hellos * length $HELLO) . ' sent');
    is($io->{frames}, 0, 'the client read nothing');
    SKIP: {
        skip '/proc/self/statm is needed to measure memory', 1 if !defined $rss0;
        ok($rss1 - $rss0 < 8 * 1024 * 1024, 'RSS growth ' . mib($rss1 - $rss0) . ', below 8 MiB');
    }

    # The client reads now: everything is answered.
    $io->{blocked} = 0;
    $events = 0;
    while ($events < 100_000) {
        $events++;
        $s->input_event;
        $s->output_event;
        $s->process_queue;
        last if $io->{read} == $io->{limit} && !$s->buffered_input && !$s->output_length;
        $max_buffered = $s->buffered_input if $s->buffered_input > $max_buffered;
    }
    is($io->{read}, $io->{limit}, 'the whole stream was read');
    is($s->buffered_input, 0, 'nothing left held');
    is($io->{greetings}, $hellos + 1, "all $hellos hellos answered (and the greeting)");
    is_deeply($io->{other}, [], 'nothing else');
    ok($max_buffered <= 524288 + 65536, 'input held stayed bounded throughout');
}

# ---------------------------------------------------------------------
# While the session wants no input, input_event reads nothing but
# dispatches and writes.
# ---------------------------------------------------------------------
{
    my $io = FloodIO->new($HELLO, 100 * length $HELLO);
    $io->{blocked} = 0;
    my @seen;
    my $s = LibEPP::Session->new(server => test_server(), now => NOW, clock => sub { NOW }, io => $io,
                                 read_size => 400, on_request => sub { push @seen, $_[1] });
    $s->connected;
    $s->feed_input(frame(login_xml(cltrid => 'FULL-LOGIN')));
    is(scalar @seen, 0, 'no dispatch yet (feed_input does not dispatch)');
    $s->process_queue;
    is(scalar @seen, 1, 'the login is with the host');
    ok(!$s->wants_input, 'no input wanted');
    ok(!$s->input_event, 'input_event: nothing read, nothing completed');
    is($io->{read}, 0, 'nothing was read');
    $seen[0]->answer_login('accepted');
    ok($s->wants_input, 'answered: input wanted');
    ok($s->input_event, 'input_event reads and completes frames');
    is($io->{read}, 400, 'read_size bytes were read');
    for (1 .. 1000) {
        $s->input_event;
        last if $io->{read} == $io->{limit} && !$s->buffered_input;
    }
    is($io->{greetings}, 101, 'every hello answered');
}

done_testing;
