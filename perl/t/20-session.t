use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use Scalar::Util qw(blessed);

use LibEPP qw(:result :close :state);
use LibEPP::Session;
use TestEPP;

sub error_of { my ($code) = @_; return eval { $code->(); 1 } ? undef : $@ }

my $config = test_config();

# ---------------------------------------------------------------------
# The greeting; output is bytes, taken without being consumed.
# ---------------------------------------------------------------------
{
    my $s = new_session($config);
    my $len = $s->output_length;
    ok($len > 100, "greeting queued at once ($len bytes)");
    my $out = $s->take_output;
    is(length $out, $len, 'take_output returns every pending byte');
    ok(!utf8::is_utf8($out), 'output is a byte string');
    is(unpack('N', $out), $len, 'it starts with the 4-byte length header of the whole frame');
    is($s->take_output, $out, 'take_output does not consume');
    $s->consume_output(3);
    is($s->take_output, substr($out, 3), 'consume_output(3) leaves the rest pending');
    my $e = error_of(sub { $s->consume_output($len) });
    isa_ok($e, 'LibEPP::Error', 'consuming more than pending');
    is($e->code, EPP_RESULT_INVALID_LENGTH, '... is EPP_RESULT_INVALID_LENGTH');
    like("$e", qr/epp_session_consume_output: a length is too large/, '... with the libepp text');
    $s->consume_output($len - 3);
    is($s->output_length, 0, 'all consumed');
    is($s->take_output, '', "take_output is '' when nothing is pending");
    my ($g) = unframe($out);
    ok(is_greeting($g), 'the frame is a greeting');
    like($g, qr{<svDate>2027-01-15T08:00:00(?:\.0+)?Z</svDate>}, 'svDate is the now given to new()');
}

# ---------------------------------------------------------------------
# A scripted session, byte by byte.
# ---------------------------------------------------------------------
{
    my $s = greet($config);
    my $now = NOW + 1000;
    is($s->state, 'Waiting for Client Authentication', 'state after the greeting');
    is($s->state_name, 'awaiting_login', 'state_name');
    is($s->state_code, EPP_SESSION_STATE_AWAITING_LOGIN, 'state_code');
    is($s->user, undef, 'no user yet');

    my $login = frame(login_xml(cltrid => 'LOGIN-0001'));
    my $hello = frame(hello_xml());
    my ($fed, $req) = (0, undef);
    ok($s->wants_input, 'the session wants input');
    for my $i (0 .. length($login) - 1) {
        is($s->buffered_input, $i, "byte $i: the unfinished frame is held") if $i == 3 || $i == 100;
        $s->feed_input(substr($login, $i, 1), $now);
        $fed++;
        $req = $s->poll_queue;
        last if $req;
    }
    is($fed, length $login, 'the login frame was fed byte by byte');
    isa_ok($req, 'LibEPP::Request::Login', 'the last byte made a login request');
    is($s->buffered_input, 0, 'nothing held');
    is($s->outstanding, 1, 'one request outstanding');
    is($s->state, 'Processing <login>', 'state while the login is with the host');
    is($s->state_name, 'login_pending', 'state_name login_pending');
    is($s->output_length, 0, 'nothing to write yet');

    # A login holds input back until it is answered: the session holds it.
    ok(!$s->wants_input, 'no input wanted while the login is with the host');
    $s->feed_input($hello, $now);
    is($s->buffered_input, length $hello, 'a hello fed meanwhile is held');
    is($s->poll_queue, undef, '... and not handled');

    is($req->answer_login('accepted'), 1000, 'login accepted: 1000');
    is($s->user, 'registrar1', 'user is the clID');
    is($s->client_id, 'registrar1', 'client_id too');
    is($s->state, 'Waiting for Command', 'state after login');
    is($s->buffered_input, 0, 'the answer let the held hello through');
    ok($s->wants_input, 'input wanted again');
    my @f = unframe($s->drain_output);
    is(scalar @f, 2, 'two responses');
    is(result_code($f[0]), 1000, 'login response 1000');
    is(cltrid_of($f[0]), 'LOGIN-0001', 'clTRID echoed');
    like(svtrid_of($f[0]), qr/^PT-1-\d+$/, 'svTRID ' . svtrid_of($f[0]));
    ok(is_greeting($f[1]), 'hello answered with a greeting by libepp itself');
    is($s->poll_queue, undef, 'hello made no request');

    # Pipelined commands, answered out of order: responses in command order.
    my $batch = frame(poll_req_xml('PIPE-0001')) . frame(poll_ack_xml(7, 'PIPE-0002'))
              . frame(command_xml('check', '<domain:check xmlns:domain="' . DOMAIN_NS
                                  . '"><domain:name>example.nz</domain:name></domain:check>',
                                  cltrid => 'PIPE-0003'));
    $s->feed_input(substr($batch, $_, 1), $now) for 0 .. length($batch) - 1;
    my @reqs = $s->poll_requests;
    is_deeply([map { $_->kind_name } @reqs], [qw(poll poll_ack command)], 'three requests in command order');
    is_deeply([map { $_->cltrid } @reqs], [qw(PIPE-0001 PIPE-0002 PIPE-0003)], 'their clTRIDs');
    is($s->outstanding, 3, 'three outstanding');
    is($s->state, 'Processing Command', 'state while commands are outstanding');
    $reqs[2]->answer_command(1000, res_data => '<domain:chkData xmlns:domain="' . DOMAIN_NS
        . '"><domain:cd><domain:name avail="1">example.nz</domain:name></domain:cd></domain:chkData>');
    is($s->output_length, 0, 'the third answer waits for the first two');
    $reqs[1]->answer_ack(0);
    is($s->output_length, 0, 'the second too');
    $reqs[0]->answer_poll_empty;
    @f = unframe($s->drain_output);
    is_deeply([map { result_code($_) } @f], [1300, 1000, 1000], 'responses written in command order');
    is_deeply([map { cltrid_of($_) } @f], [qw(PIPE-0001 PIPE-0002 PIPE-0003)], 'clTRIDs in order');
    like($f[2], qr{<domain:name avail="1">example\.nz</domain:name>}, 'resData passed through');
    is($s->outstanding, 0, 'nothing outstanding');

    # Logout, byte by byte: libepp answers it and ends the session.
    my $logout = frame(logout_xml('LOGOUT-01'));
    $s->feed_input($_, $now) for split //, $logout;
    my $end = $s->poll_queue;
    isa_ok($end, 'LibEPP::Request::SessionEnd', 'logout makes a session_end request');
    is($end->id, undef, 'a session_end has no id');
    is($end->close_reason, EPP_CLOSE_REASON_LOGOUT, 'close reason logout');
    is($end->close_reason_name, 'logout', 'close_reason_name');
    like($end->close_reason_text, qr/logged out/, 'close_reason_text: ' . $end->close_reason_text);
    is($end->close_detail(EPP_CLOSE_DETAIL_RESULT_CODE), undef, 'no close detail for a logout');
    like(error_of(sub { $end->answer_failure }), qr/session_end request takes no answer/,
         'a session_end cannot be answered');
    is($s->state, 'Shutting down', 'state while the 1500 is pending');
    ok(!$s->is_finished, 'not finished while output is pending');
    @f = unframe($s->drain_output);
    is(result_code($f[0]), 1500, 'logout answered 1500');
    ok($s->is_finished, 'finished once the output is consumed');
    is($s->state, 'End', 'state End');
    is($s->state_name, 'closed', 'state_name closed');
    is($s->close_reason_name, 'logout', 'session close_reason_name');

    ok(!$s->wants_input, 'a closed session wants no input');
    my $e = error_of(sub { $s->feed_input($hello, $now) });
    isa_ok($e, 'LibEPP::Error::SessionClosed', 'feeding a closed session');
    is($e->code, EPP_RESULT_SESSION_CLOSED, '... EPP_RESULT_SESSION_CLOSED');
    like("$e", qr/^libepp: epp_session_feed_input: the session is closed/, "... says so: $e");
    is($s->buffered_input, 0, '... and takes nothing');
    isa_ok(error_of(sub { $s->feed_input('', $now) }), 'LibEPP::Error::SessionClosed', '... not even nothing');
}

# ---------------------------------------------------------------------
# Binary safety and text.
# ---------------------------------------------------------------------
{
    my $s = greet($config);
    like(error_of(sub { $s->feed_input("\x{263a}") }), qr/wide characters/, 'wide characters croak');
    like(error_of(sub { $s->feed_input(undef) }), qr/bytes are required/, 'undef croaks');
    $s->feed_input('');
    is($s->buffered_input, 0, 'an empty string feeds nothing');

    # A byte string that happens to carry the UTF8 flag but only bytes is fine.
    my $f = frame(hello_xml());
    my $flagged = $f;
    utf8::upgrade($flagged);
    $s->feed_input($flagged, NOW);
    ok(utf8::is_utf8($flagged), "the caller's string is left as it was");
    ok(is_greeting((unframe($s->drain_output))[0]), 'an upgraded byte string is fed as its bytes');

    # Non-ASCII text: a UTF-8 clID in, characters out.
    my $r = feed_all($s, login_xml(clid => "r\x{e9}gistrar-\x{2603}", cltrid => "CL-\x{e9}t\x{e9}"));
    is($r->client_id, "r\x{e9}gistrar-\x{2603}", 'a UTF-8 clID is handed out as characters');
    is($r->cltrid, "CL-\x{e9}t\x{e9}", 'a UTF-8 clTRID too');
    $r->answer_login('accepted');
    is($s->user, "r\x{e9}gistrar-\x{2603}", 'user too');
    my ($rs) = unframe($s->drain_output);
    my $want = "<clTRID>CL-\x{e9}t\x{e9}</clTRID>";
    utf8::encode($want);
    like($rs, qr/\Q$want\E/, 'the clTRID is echoed as UTF-8 bytes');

    # NUL bytes and a split header: the frame parser sees every byte.
    my $bad = "\0\0\0\x0a<epp/\0>";
    $s->feed_input(substr($bad, 0, 2), NOW);
    $s->feed_input(substr($bad, 2), NOW);
    my ($err) = unframe($s->drain_output);
    like(result_code($err), qr/^200[01]$/, 'a frame with a NUL byte is refused (' . result_code($err) . ')');
}

# ---------------------------------------------------------------------
# Ends: bad frame length, end of file mid-frame, the host closing.
# ---------------------------------------------------------------------
{
    my $s = greet($config);
    $s->feed_input(pack('N', 9_999_999), NOW);
    my ($rs) = unframe($s->drain_output);
    is(result_code($rs), 2500, 'an oversized frame length is answered 2500');
    my $end = $s->poll_queue;
    is($end->close_reason_name, 'bad_frame_length', 'close reason bad_frame_length');
    is($end->close_detail(EPP_CLOSE_DETAIL_FRAME_LENGTH), 9_999_999, 'detail: the length announced');
    is($end->close_detail(EPP_CLOSE_DETAIL_FRAME_LIMIT), 262_144, 'detail: the limit');
    is($s->close_detail(EPP_CLOSE_DETAIL_FRAME_LENGTH), 9_999_999, 'the session has the detail too');
    is($s->close_detail(EPP_CLOSE_DETAIL_BYTES_RECEIVED), undef, 'a detail the reason lacks is undef');
    like($s->close_reason_text, qr/9999999/, 'close_reason_text: ' . $s->close_reason_text);
    ok($s->is_finished, 'finished');
}
{
    my $s = greet($config);
    my $login = frame(login_xml());
    $s->feed_input(substr($login, 0, 20), NOW);
    $s->handle_eof(NOW);
    ok($s->eof_seen, 'eof_seen');
    ok(!$s->wants_input, 'no input wanted after the end of file');
    isa_ok(error_of(sub { $s->feed_input('x', NOW) }), 'LibEPP::Error::SessionClosed',
           'feeding after the end of file took effect');
    my $end = $s->poll_queue;
    is($end->close_reason, EPP_CLOSE_REASON_PEER_CLOSED_MID_FRAME, 'end of file inside a frame');
    is($end->close_detail(EPP_CLOSE_DETAIL_BYTES_RECEIVED), 20, 'detail: 20 bytes received');
    ok($s->is_finished, 'finished (nothing to write)');
}
{
    my $s = greet($config);
    is($s->close_reason_name, 'none', 'close reason none while open');
    is($s->close_reason_text, undef, 'no close text while open');
    is($s->close_detail(EPP_CLOSE_DETAIL_RESULT_CODE), undef, 'no close detail while open');
    $s->close;
    ok($s->is_finished, 'close() finishes the session at once');
    is($s->close_reason_name, 'host', 'close reason host');
    is($s->output_length, 0, 'nothing more is written');
    is($s->poll_queue->close_reason_name, 'host', 'a session_end follows');
}
{
    # close() drops output not yet consumed, the greeting included (0.2).
    my $s = new_session($config);
    ok($s->output_length > 0, 'the greeting is pending');
    $s->close;
    is($s->take_output, '', 'after close() nothing is handed out, not even the greeting');
    ok($s->is_finished, 'finished at once');
    my $l = greet($config);
    login_ok($l);
    my $r = feed_all($l, poll_req_xml('CLOSE-1'));
    $r->answer_poll_empty;
    ok($l->output_length > 0, 'a response is pending');
    $l->close;
    is($l->output_length, 0, 'close() drops it');
    isa_ok(error_of(sub { $l->feed_input(frame(hello_xml()), NOW) }), 'LibEPP::Error::SessionClosed',
           'input after close()');
    my $end = $l->poll_queue;
    ok($end && $end->is_session_end, 'a session_end');
    is($l->poll_queue, undef, 'and nothing else');
}

done_testing;
