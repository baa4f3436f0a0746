use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use IO::Handle;
use Socket qw(AF_UNIX SOCK_STREAM PF_UNSPEC);

use LibEPP qw(:result :close);
use LibEPP::Session;
use TestEPP;

# A client pipelines a login and more commands, then closes its side before
# the back end has answered the login. The host tells the session about the
# end of file as soon as it reads it: the session applies it only after
# everything fed before has been handled, so the commands held behind the
# login are still answered.

$SIG{PIPE} = 'IGNORE';
alarm(60);

sub error_of { my ($code) = @_; return eval { $code->(); 1 } ? undef : $@ }

# ---------------------------------------------------------------------
# In memory: the end of input behind held frames.
# ---------------------------------------------------------------------
{
    my $s = greet(test_config());
    $s->feed_input(frame(login_xml(cltrid => 'EOF-0001')) . frame(poll_req_xml('EOF-0002'))
                   . frame(hello_xml()), NOW);
    my $login = $s->poll_queue;
    ok($login && $login->is_login, 'the login is with the host');
    is($s->poll_queue, undef, 'the poll waits behind it');
    my $held = $s->buffered_input;
    ok($held > 0, "the poll and the hello are held ($held bytes)");
    $s->handle_eof(NOW);
    ok($s->eof_seen, 'eof_seen');
    is($s->state_name, 'login_pending', 'the end of input waits behind the held frames');
    is($s->buffered_input, $held, 'nothing dropped');
    ok(!$s->wants_input, 'no input wanted after the end of file');
    my $e = error_of(sub { $s->feed_input(frame(hello_xml()), NOW) });
    isa_ok($e, 'LibEPP::Error::InputAfterEof', 'input after the end of file');
    is($e->code, EPP_RESULT_INPUT_AFTER_EOF, '... EPP_RESULT_INPUT_AFTER_EOF');
    is($s->buffered_input, $held, '... took nothing');

    $login->answer_login('accepted');
    my $poll = $s->poll_queue;
    ok($poll && $poll->is_poll, 'the answer let the poll through');
    is($poll->cltrid, 'EOF-0002', 'the one sent before the end of file');
    is($s->state_name, 'closing', 'then the end of input took effect');
    $poll->answer_poll_empty;
    my $end = $s->poll_queue;
    ok($end && $end->is_session_end, 'a session_end follows');
    is($end->close_reason, EPP_CLOSE_REASON_PEER_CLOSED, 'peer_closed: between frames');
    my @f = unframe($s->drain_output);
    is_deeply([map { is_greeting($_) ? 'greeting' : result_code($_) } @f], [1000, 1300, 'greeting'],
              'the login, the poll and the hello were all answered, in order');
    ok($s->is_finished, 'finished');
}
{
    # An unfinished frame at the end of input is dropped, after the held ones.
    my $s = greet(test_config());
    my $partial = substr(frame(hello_xml()), 0, 30);
    $s->feed_input(frame(login_xml()) . frame(hello_xml()) . $partial, NOW);
    my $login = $s->poll_queue;
    $s->handle_eof(NOW);
    $login->answer_login('accepted');
    my $end = $s->poll_queue;
    is($end && $end->close_reason_name, 'peer_closed_mid_frame', 'the unfinished frame: peer_closed_mid_frame');
    is($end->close_detail(EPP_CLOSE_DETAIL_BYTES_RECEIVED), 30, '30 bytes of it received');
    is_deeply([map { is_greeting($_) ? 'greeting' : result_code($_) } unframe($s->drain_output)],
              [1000, 'greeting'], 'the whole frames before it were answered');
    ok($s->is_finished, 'finished');
}

# ---------------------------------------------------------------------
# Over a socket pair, with the SRS-style helpers.
# ---------------------------------------------------------------------
{
    socketpair(my $server, my $client, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
    $_->blocking(0) for $server, $client;

    my @queue;
    my $s = LibEPP::Session->new(server => test_server(), io => $server, now => NOW, clock => sub { NOW },
                                 on_request => sub { push @queue, $_[1] });
    $s->connected;
    sysread($client, my $greeting, 65536);

    syswrite($client, frame(login_xml(cltrid => 'EOF-0001')) . frame(poll_req_xml('EOF-0002')));
    shutdown($client, 1);    # the client's end of file, right after its commands

    $s->input_event;         # reads the frames
    is(scalar(@queue), 1, 'only the login is with the host (the poll waits behind it)');
    ok(!$s->wants_input, 'no input wanted while the login is with the host');
    ok(!$s->eof_seen, 'the end of file is not read yet');
    my $login = shift @queue;
    $login->answer_login('accepted');
    $s->process_queue;       # the answer let the poll through
    is(scalar(@queue) && $queue[0]->kind_name, 'poll', 'the poll held back reached the host');
    ok($s->wants_input, 'input wanted again');
    $s->input_event;         # reads the end of file: it waits behind the poll
    ok($s->eof_seen, 'the end of file was read');
    ok(!$s->is_finished, 'the session is not over while a command read before it is unanswered');
    $_->answer_poll_empty for grep { $_->is_poll } @queue;
    $s->process_queue;
    $s->output_event;

    my $all = '';
    while (sysread($client, my $buf, 65536)) { $all .= $buf }
    my @codes = map { result_code($_) } unframe($all);
    is_deeply(\@codes, [1000, 1300], 'both commands sent before the end of file were answered');
    ok($s->is_finished, 'then the session is finished');
    is($queue[-1]->kind_name, 'session_end', 'with a session_end');
    is($queue[-1]->close_reason_name, 'peer_closed', 'peer_closed');
}

done_testing;
