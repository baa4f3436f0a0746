use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use Scalar::Util qw(blessed);

use LibEPP qw(:result :kind :verb :transfer :login :close);
use LibEPP::Session;
use LibEPP::Response;
use LibEPP::PollMessage;
use TestEPP;

sub error_of { my ($code) = @_; return eval { $code->(); 1 } ? undef : $@ }

sub error_is {
    my ($err, $code, $name) = @_;
    ok(blessed($err) && $err->isa('LibEPP::Error') && $err->code == $code,
       "$name: " . LibEPP::result_name($code)) or diag("got: " . ($err // '(no exception)'));
    like("$err", qr/\Q${\ LibEPP::describe_result($code)}\E/, "$name: message is the libepp text")
        if blessed($err);
}

my $config = test_config();
my $DOM = 'xmlns:domain="' . DOMAIN_NS . '"';

# One response frame after an answer.
sub response_of {
    my ($s) = @_;
    my @f = unframe($s->drain_output);
    is(scalar @f, 1, 'one response') or diag(join "\n", @f);
    return $f[0];
}

# ---------------------------------------------------------------------
# Login: every getter and every answer.
# ---------------------------------------------------------------------
{
    my $s = greet($config);
    my $r = feed_all($s, login_xml(clid => 'registrar1', pw => 'secret-pw1', newpw => 'new-secret-2',
                                   objs => [DOMAIN_NS, HOST_NS], exts => [SECDNS_NS], cltrid => 'LOGIN-1'));
    isa_ok($r, 'LibEPP::Request::Login');
    isa_ok($r, 'LibEPP::Request');
    is($r->kind, EPP_REQUEST_KIND_LOGIN, 'kind');
    is($r->kind_name, 'login', 'kind_name');
    ok($r->is_login && !$r->is_poll && !$r->is_poll_ack && !$r->is_command && !$r->is_session_end, 'is_login');
    like($r->id, qr/^\d+$/, 'id ' . $r->id);
    is($r->session, $s, 'session');
    is($r->client_id, 'registrar1', 'client_id');
    is($r->password, 'secret-pw1', 'password');
    is($r->new_password, 'new-secret-2', 'new_password');
    is($r->lang, 'en', 'lang');
    is_deeply([$r->object_uris], [DOMAIN_NS, HOST_NS], 'object_uris');
    is_deeply([$r->extension_uris], [SECDNS_NS], 'extension_uris');
    is($r->extension_xml, undef, 'no extension XML');
    is($r->client_transaction_id, 'LOGIN-1', 'client_transaction_id');
    error_is(error_of(sub { $r->message_id }), EPP_RESULT_NOT_APPLICABLE, 'message_id of a login');
    error_is(error_of(sub { $r->object_xml }), EPP_RESULT_NOT_APPLICABLE, 'object_xml of a login');
    error_is(error_of(sub { $r->verb }), EPP_RESULT_NOT_APPLICABLE, 'verb of a login');
    error_is(error_of(sub { $r->close_reason }), EPP_RESULT_NOT_APPLICABLE, 'close_reason of a login');
    error_is(error_of(sub { $r->answer_poll_empty }), EPP_RESULT_WRONG_ANSWER, 'a poll answer to a login');
    error_is(error_of(sub { $r->answer_ack(1) }), EPP_RESULT_WRONG_ANSWER, 'an ack answer to a login');
    like(error_of(sub { $r->answer_login('maybe') }), qr/unknown answer 'maybe'/, 'an unknown answer name croaks');
    error_is(error_of(sub { $r->answer_login(99) }), EPP_RESULT_INVALID_ARGUMENT, 'an unknown answer value');
    is($r->answer_login(EPP_LOGIN_ANSWER_ACCEPTED), 1000, 'accepted (constant): 1000');
    my $rs = response_of($s);
    is(result_code($rs), 1000, '1000 sent');
    my $e = error_of(sub { $r->answer_login('accepted') });
    error_is($e, EPP_RESULT_ALREADY_ANSWERED, 'answering twice');
    isa_ok($e, 'LibEPP::Error::AlreadyAnswered');
    ok(!$e->isa('LibEPP::Error::UnknownRequest'), 'not an UnknownRequest: that is an id never issued');
    like($e->detail // '', qr/already answered/, 'detail: ' . ($e->detail // ''));
    is($r->client_id, 'registrar1', 'getters still work after the answer');
}
for my $case ([bad_credentials => 2200], [account_disabled => 2201], [failed => 2400],
              [session_limit_exceeded => 2502]) {
    my ($answer, $code) = @$case;
    my $s = greet($config);
    my $r = feed_all($s, login_xml(cltrid => "LOGIN-$answer"));
    is($r->answer_login($answer), $code, "login $answer: $code");
    my $rs = response_of($s);
    is(result_code($rs), $code, "$code sent");
    is($s->user, undef, 'not logged in');
    is($s->state_name, $code == 2502 ? 'closed' : 'awaiting_login', 'state ' . $s->state_name);
}
{
    # Three failed logins close the session with 2501.
    my $s = greet($config);
    my @codes;
    for my $i (1 .. 3) {
        my $r = feed_all($s, login_xml(pw => 'wrong-pw-00', cltrid => "BAD-$i"));
        push @codes, $r->answer_login('bad_credentials');
    }
    is_deeply(\@codes, [2200, 2200, 2501], 'the third failed login is answered 2501');
    $s->drain_output;
    my $end = $s->poll_queue;
    is($end->close_reason_name, 'too_many_failed_logins', 'and ends the session');
}

# ---------------------------------------------------------------------
# Poll, poll ack.
# ---------------------------------------------------------------------
{
    my $s = greet($config);
    login_ok($s);
    my $r = feed_all($s, poll_req_xml('POLL-1'));
    isa_ok($r, 'LibEPP::Request::Poll');
    is($r->kind_name, 'poll', 'kind_name poll');
    is($r->cltrid, 'POLL-1', 'cltrid');
    is($r->client_id, 'registrar1', 'client_id of a poll: the logged-in client');
    is($r->extension_xml, undef, 'extension_xml of a poll');
    error_is(error_of(sub { $r->password }), EPP_RESULT_NOT_APPLICABLE, 'password of a poll');
    error_is(error_of(sub { $r->answer_login('accepted') }), EPP_RESULT_WRONG_ANSWER, 'a login answer to a poll');
    my $svtrid = $r->server_transaction_id;
    like($svtrid, qr/^\S{3,64}\z/, "server_transaction_id $svtrid");
    is($r->svtrid, $svtrid, 'svtrid');
    $r->answer_poll_empty;
    my $rs = response_of($s);
    is(result_code($rs), 1300, 'empty queue: 1300');
    like($rs, qr{<svTRID>\Q$svtrid\E</svTRID>}, 'the response carries the svTRID the request said');
    is(msgq($rs), undef, 'no msgQ');
    error_is(error_of(sub { $r->answer_poll_empty }), EPP_RESULT_ALREADY_ANSWERED, 'answering a poll twice');

    # A message, given as arguments.
    $r = feed_all($s, poll_req_xml('POLL-2'));
    error_is(error_of(sub { $r->answer_poll_message(id => 17, count => 0, queued_at => NOW, text => 'x') }),
             EPP_RESULT_INVALID_ANSWER, 'a message with count 0 (it counts itself) is refused');
    ok(!$r->answered, '... and the poll is still to answer') if $r->can('answered');
    $r->answer_poll_message(id => 17, count => 3, queued_at => NOW - 86_400_000, text => "Transfer \x{e9}t\x{e9}");
    $rs = response_of($s);
    is(result_code($rs), 1301, 'a message: 1301');
    my $q = msgq($rs);
    is($q->{id}, 17, 'msgQ id');
    is($q->{count}, 3, 'msgQ count');
    like($q->{qdate}, qr/^2027-01-14T08:00:00/, 'qDate ' . $q->{qdate});
    my $text = $q->{msg};
    utf8::decode($text);
    is($text, "Transfer \x{e9}t\x{e9}", 'the text, UTF-8 on the wire');

    # A message object with language and resData, reused.
    my $m = LibEPP::PollMessage->new(id => 18, count => 2, queued_at => NOW, text => 'Message en fran\x{e7}ais',
                                     lang => 'fr',
                                     res_data => "<domain:trnData $DOM><domain:name>example.nz</domain:name>"
                                               . "<domain:trStatus>pending</domain:trStatus><domain:reID>a</domain:reID>"
                                               . "<domain:reDate>2027-01-15T00:00:00Z</domain:reDate><domain:acID>b</domain:acID>"
                                               . "<domain:acDate>2027-01-20T00:00:00Z</domain:acDate></domain:trnData>");
    is($m->id, 18, 'PollMessage id');
    is($m->count, 2, 'PollMessage count');
    $r = feed_all($s, poll_req_xml('POLL-3'));
    $r->answer_poll_message($m);
    $rs = response_of($s);
    like($rs, qr/<msg lang="fr">/, 'msg lang');
    like($rs, qr{<resData><domain:trnData}, 'resData');
    $r = feed_all($s, poll_req_xml('POLL-4'));
    error_is(error_of(sub { $r->answer_poll_message(LibEPP::PollMessage->new(id => 1, count => 1,
        queued_at => NOW, text => 'x', res_data => '<not-closed>')) }), EPP_RESULT_INVALID_XML,
        'a poll message with malformed resData');
    is($s->outstanding, 1, 'the request is still outstanding');
    $r->answer_poll_message($m);
    is(result_code(response_of($s)), 1301, 'and can be answered again');
    $r = feed_all($s, poll_req_xml('POLL-5'));
    error_is(error_of(sub { $r->answer_poll_message(id => 1, count => 1, queued_at => NOW, text => 'x',
                                                    lang => 'bad tag!') }),
             EPP_RESULT_INVALID_ANSWER, 'a poll message with a bad language');
    $r->answer_poll_empty;
    is(result_code(response_of($s)), 1300, 'the request stayed outstanding and is answered');
    like(error_of(sub { LibEPP::PollMessage->new(id => 1, count => 1, text => 'x') }), qr/queued_at/,
         'PollMessage->new needs queued_at');

    # Poll ack.
    $r = feed_all($s, poll_ack_xml(17, 'ACK-1'));
    isa_ok($r, 'LibEPP::Request::PollAck');
    is($r->kind_name, 'poll_ack', 'kind_name poll_ack');
    is($r->message_id, 17, 'message_id');
    is($r->client_id, 'registrar1', 'client_id of a poll ack');
    is($r->extension_xml, undef, 'extension_xml of a poll ack');
    is($r->cltrid, 'ACK-1', 'cltrid');
    error_is(error_of(sub { $r->answer_poll_empty }), EPP_RESULT_WRONG_ANSWER, 'a poll answer to an ack');
    $r->answer_ack(2);
    $rs = response_of($s);
    is(result_code($rs), 1000, 'ack: 1000');
    is(msgq($rs)->{count}, 2, 'msgQ count 2');
    is(msgq($rs)->{id}, 17, 'msgQ id 17');
    error_is(error_of(sub { $r->answer_ack(1) }), EPP_RESULT_ALREADY_ANSWERED, 'acking twice');

    $r = feed_all($s, poll_ack_xml(99, 'ACK-2'));
    $r->answer_ack_unknown;
    is(result_code(response_of($s)), 2303, 'unknown message: 2303');

    $r = feed_all($s, poll_ack_xml(5, 'ACK-3'));
    $r->answer_command(LibEPP::Response->new(2303)->set_message('No such message'));
    like(response_of($s), qr{<result code="2303"><msg>No such message</msg>}, 'an ack answered with a full response');

    # A non-numeric msgID is answered by libepp itself.
    $s->feed_input(frame(poll_ack_xml('abc', 'ACK-4')), NOW);
    is($s->poll_queue, undef, 'a non-numeric msgID makes no request');
    like(result_code(response_of($s)), qr/^2\d\d\d$/, 'libepp answers it');
}

# ---------------------------------------------------------------------
# Object commands: every verb, transfer ops, extensions, responses.
# ---------------------------------------------------------------------
{
    my $s = greet($config);
    login_ok($s, objs => [DOMAIN_NS, CONTACT_NS, HOST_NS], exts => [SECDNS_NS]);
    my $name = '<domain:name>example.nz</domain:name>';
    my %obj = (
        check    => "<domain:check $DOM>$name</domain:check>",
        info     => "<domain:info $DOM>$name</domain:info>",
        create   => "<domain:create $DOM>$name<domain:authInfo><domain:pw>2fooBAR</domain:pw></domain:authInfo></domain:create>",
        update   => "<domain:update $DOM>$name</domain:update>",
        delete   => "<domain:delete $DOM>$name</domain:delete>",
        renew    => "<domain:renew $DOM>$name<domain:curExpDate>2027-04-03</domain:curExpDate></domain:renew>",
        transfer => "<domain:transfer $DOM>$name</domain:transfer>",
    );
    my %verb = (check => EPP_COMMAND_VERB_CHECK, info => EPP_COMMAND_VERB_INFO, create => EPP_COMMAND_VERB_CREATE,
                update => EPP_COMMAND_VERB_UPDATE, delete => EPP_COMMAND_VERB_DELETE,
                renew => EPP_COMMAND_VERB_RENEW, transfer => EPP_COMMAND_VERB_TRANSFER);
    for my $v (qw(check info create update delete renew transfer)) {
        my $r = feed_all($s, command_xml($v, $obj{$v}, cltrid => "CMD-$v", ($v eq 'transfer' ? (op => 'request') : ())));
        isa_ok($r, 'LibEPP::Request::Command', $v);
        is($r->verb, $verb{$v}, "$v: verb");
        is($r->verb_name, $v, "$v: verb_name");
        is($r->transfer_op, $v eq 'transfer' ? EPP_TRANSFER_OP_REQUEST : EPP_TRANSFER_OP_NONE, "$v: transfer_op");
        is($r->transfer_op_name, $v eq 'transfer' ? 'request' : undef, "$v: transfer_op_name");
        is($r->object_uri, DOMAIN_NS, "$v: object_uri");
        like($r->object_xml, qr{^<domain:$v\b[^>]*xmlns:domain="\Q${\ DOMAIN_NS}\E".*</domain:$v>$}s,
             "$v: object_xml stands alone");
        is($r->cltrid, "CMD-$v", "$v: cltrid");
        is($r->client_id, 'registrar1', "$v: client_id");
        is_deeply([$r->extension_uris], [], "$v: no extension");
        my $svtrid = $r->server_transaction_id;
        $r->answer_command(2101);
        my $rs = response_of($s);
        is(result_code($rs), 2101, "$v: answered 2101");
        like($rs, qr{<svTRID>\Q$svtrid\E</svTRID>}, "$v: the response carries svTRID $svtrid");
    }
    for my $op (qw(approve cancel query reject)) {
        my $r = feed_all($s, command_xml('transfer', $obj{transfer}, op => $op, cltrid => "TR-$op"));
        is($r->transfer_op_name, $op, "transfer op $op");
        $r->answer_failure("Transfer $op failed");
        like(response_of($s), qr{<result code="2400"><msg>Transfer $op failed</msg>}, "answer_failure with a text");
    }

    # An extension.
    my $ext = '<secDNS:create xmlns:secDNS="' . SECDNS_NS . '"><secDNS:maxSigLife>604800</secDNS:maxSigLife></secDNS:create>';
    my $r = feed_all($s, command_xml('create', $obj{create}, extension => $ext, cltrid => 'EXT-1'));
    is_deeply([$r->extension_uris], [SECDNS_NS], 'extension_uris of a command');
    like($r->extension_xml, qr{^<secDNS:create\b[^>]*xmlns:secDNS="\Q${\ SECDNS_NS}\E"[^>]*>.*</secDNS:create>$}, 'extension_xml');
    error_is(error_of(sub { $r->password }), EPP_RESULT_NOT_APPLICABLE, 'password of a command');
    error_is(error_of(sub { $r->answer_poll_empty }), EPP_RESULT_WRONG_ANSWER, 'a poll answer to a command');
    error_is(error_of(sub { $r->answer_command(1234) }), EPP_RESULT_INVALID_ARGUMENT, 'a result code RFC 5730 lacks');
    error_is(error_of(sub { $r->answer_command(70000) }), EPP_RESULT_INVALID_ARGUMENT, 'a result code beyond 16 bits');

    # A full response: several results, values, extValues, resData, extension.
    my $resp = LibEPP::Response->new(2306, message => 'Parameter value policy error', lang => 'en',
        values => ["<domain:name $DOM>example.nz</domain:name>"],
        ext_values => [["<domain:period $DOM unit=\"y\">20</domain:period>", 'Period too long']]);
    $resp->add_result(2004)->set_message('Parameter value range error')
         ->add_value("<domain:period $DOM unit=\"y\">20</domain:period>");
    is($resp->code, 2306, 'Response code');
    $r->answer_command($resp);
    my $rs = response_of($s);
    is_deeply([result_codes($rs)], [2306, 2004], 'two results');
    like($rs, qr{<msg>Parameter value policy error</msg><value><domain:name [^>]*>example\.nz</domain:name></value>},
         'message and value');
    like($rs, qr{<extValue><value><domain:period [^>]*>20</domain:period></value><reason>Period too long</reason></extValue>},
         'extValue');
    is(cltrid_of($rs), 'EXT-1', 'clTRID echoed');

    $r = feed_all($s, command_xml('info', $obj{info}, cltrid => 'INFO-1'));
    my $info = LibEPP::Response->new(1000,
        res_data => "<domain:infData $DOM><domain:name>example.nz</domain:name><domain:roid>EX-1</domain:roid></domain:infData>",
        extension => '<secDNS:infData xmlns:secDNS="' . SECDNS_NS . '"><secDNS:maxSigLife>1</secDNS:maxSigLife></secDNS:infData>');
    $r->answer_command($info);
    $rs = response_of($s);
    like($rs, qr{<resData><domain:infData .*</domain:infData></resData>}, 'resData');
    like($rs, qr{<extension><secDNS:infData .*</secDNS:infData></extension>}, 'extension');

    # Invalid XML in a response: the request stays outstanding.
    $r = feed_all($s, command_xml('info', $obj{info}, cltrid => 'INFO-2'));
    my $e = error_of(sub { $r->answer_command(1000, res_data => '<unclosed>') });
    error_is($e, EPP_RESULT_INVALID_XML, 'malformed resData');
    ok(defined $e->detail, 'with a detail: ' . ($e->detail // ''));
    is($s->outstanding, 1, 'the command is still outstanding');
    error_is(error_of(sub { $r->answer_command(LibEPP::Response->new(1000)->set_lang('bad tag!')) }),
             EPP_RESULT_INVALID_ANSWER, 'a bad language tag');
    $r->answer_command($info->set_res_data(undef)->set_extension(undef));
    $rs = response_of($s);
    unlike($rs, qr/resData|extension/, 'resData and extension removed with undef');

    # Answering by id through the session; unknown ids.
    $r = feed_all($s, command_xml('check', $obj{check}, cltrid => 'ID-1'));
    my $never = error_of(sub { $s->answer_command($r->id + 1000, 1000) });
    error_is($never, EPP_RESULT_UNKNOWN_REQUEST, 'an id never issued');
    isa_ok($never, 'LibEPP::Error::UnknownRequest');
    like(error_of(sub { $s->answer_command('x', 1000) }), qr/not a number/, 'a non-numeric id croaks');
    $s->answer_command($r->id, LibEPP::Response->new(1000));
    is(result_code(response_of($s)), 1000, 'answered by id');

    # A 25xx answer closes the session.
    $r = feed_all($s, command_xml('check', $obj{check}, cltrid => 'END-1'));
    $r->answer_command(2500, message => 'Going away');
    is(result_code(response_of($s)), 2500, '2500 sent');
    my $end = $s->poll_queue;
    is($end->close_reason, EPP_CLOSE_REASON_CLOSING_RESPONSE, 'the session ends: closing_response');
    is($end->close_detail(EPP_CLOSE_DETAIL_RESULT_CODE), 2500, 'detail: 2500');
    ok($s->is_finished, 'finished');
}

# ---------------------------------------------------------------------
# Requests outlive their session object; a freed session cannot answer.
# ---------------------------------------------------------------------
{
    my $s = greet($config);
    login_ok($s);
    my $r = feed_all($s, poll_req_xml('GONE-1'));
    undef $s;
    is($r->session, undef, 'the request does not keep its session alive');
    is($r->cltrid, 'GONE-1', 'its getters still work');
    my $e = error_of(sub { $r->answer_poll_empty });
    error_is($e, EPP_RESULT_SESSION_CLOSED, 'answering after the session was freed');
    like($e->detail, qr/freed/, 'detail: ' . $e->detail);
}

# A session that ended refuses answers with SESSION_CLOSED.
{
    my $s = greet($config);
    login_ok($s);
    my $r = feed_all($s, poll_req_xml('LATE-1'));
    $s->close;
    error_is(error_of(sub { $r->answer_poll_empty }), EPP_RESULT_SESSION_CLOSED, 'answering after close()');
    is($s->take_output, '', 'and nothing is written after close()');
}

# Requests dropped after a closing response: answering them is SESSION_CLOSED,
# answering the closing one again ALREADY_ANSWERED.
{
    my $s = greet($config);
    login_ok($s);
    $s->feed_input(frame(poll_req_xml('DROP-1')) . frame(poll_req_xml('DROP-2')), NOW);
    my ($first, $second) = $s->poll_requests;
    $first->answer_command(2500);
    error_is(error_of(sub { $second->answer_poll_empty }), EPP_RESULT_SESSION_CLOSED,
             'a request dropped by a closing response');
    error_is(error_of(sub { $first->answer_poll_empty }), EPP_RESULT_SESSION_CLOSED,
             'the closing request again, once the session ended');
}

# A request still to be answered when the session ends (a logout behind it)
# can still be answered: the 1500 waits for it. Once ended, a second answer
# is SESSION_CLOSED.
{
    my $s = greet($config);
    login_ok($s);
    $s->feed_input(frame(poll_req_xml('LAST-1')) . frame(logout_xml('LAST-2')), NOW);
    my $r = $s->poll_queue;
    is($s->state_name, 'closing', 'closing: the logout was read');
    $r->answer_poll_empty;
    error_is(error_of(sub { $r->answer_poll_empty }), EPP_RESULT_SESSION_CLOSED, 'answered twice once ended');
    is_deeply([map { result_code($_) } unframe($s->drain_output)], [1300, 1500], '1300 then the 1500');
}

done_testing;
