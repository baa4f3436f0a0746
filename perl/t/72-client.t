use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use Scalar::Util qw(blessed);

use LibEPP qw(:result :client :close);
use LibEPP::Client;
use LibEPP::ClientConfig;
use LibEPP::Session;
use TestEPP;

# LibEPP::Client, the registrar's side, through the C API: against the
# binding's own server (LibEPP::Session) in memory, and alone for the
# refusals, deadlines and close reasons. The transcripts of
# tests/client_scripts run in 75-client-scripts.t.

use constant LOGINSEC_NS => 'urn:ietf:params:xml:ns:epp:loginSec-1.0';

sub dies_with {
    my ($code, $class, $name) = @_;
    my $ok = eval { $code->(); 1 };
    my $err = $@;
    ok(!$ok && blessed($err) && $err->isa($class), $name) or diag("got: " . ($ok ? 'no error' : $err));
    return $err;
}

sub greeting_xml {
    my (%o) = @_;
    my $objs = join '', map { "<objURI>$_</objURI>" } @{$o{objs} // [DOMAIN_NS, CONTACT_NS]};
    my $exts = join '', map { "<extURI>$_</extURI>" } @{$o{exts} // [SECDNS_NS]};
    my $langs = join '', map { "<lang>$_</lang>" } @{$o{langs} // ['en']};
    return qq{<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><greeting><svID>Example EPP server</svID>}
         . qq{<svDate>2027-01-15T08:00:00.0Z</svDate><svcMenu><version>1.0</version>$langs$objs}
         . ($exts ne '' ? "<svcExtension>$exts</svcExtension>" : '')
         . qq{</svcMenu></greeting></epp>};
}

sub response_xml {
    my ($code, $cltrid, $inner) = @_;
    return qq{<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="$code"><msg>m</msg></result>}
         . ($inner // '') . '<trID>' . (defined $cltrid ? "<clTRID>$cltrid</clTRID>" : '')
         . '<svTRID>SV-1</svTRID></trID></response></epp>';
}

my $CHECK = '<domain:check xmlns:domain="' . DOMAIN_NS . '"><domain:name>example.com</domain:name></domain:check>';

# ---------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------

{
    my $config = LibEPP::ClientConfig->new(
        client_id => 'ClientX', password => 'foo-BAR2', object_uris => [DOMAIN_NS],
    );
    isa_ok($config, 'LibEPP::ClientConfig');
    is($config->client_id, 'ClientX', 'client_id');
    is($config->cl_trid_prefix, 'ClientX-', 'the default clTRID prefix');
    my $e = dies_with(sub { LibEPP::ClientConfig->new(client_id => 'ClientX', password => 'foo-BAR2') },
                      'LibEPP::Error::InvalidConfig', 'no objURI: InvalidConfig');
    like($e->detail, qr/objURI/, '... the detail says why');
    $e = dies_with(sub { LibEPP::ClientConfig->new(client_id => 'X', password => 'foo-BAR2', object_uris => 'urn:x') },
                   'LibEPP::Error::InvalidConfig', 'a short clID');
    like($e->detail, qr/client_id/, '... named');
    dies_with(sub { LibEPP::ClientConfig->new(client_id => 'ClientX', password => 'foo-BAR2',
                                              object_uris => 'urn:x', max_in_flight => 0) },
              'LibEPP::Error::InvalidConfig', 'max_in_flight 0');
    dies_with(sub { LibEPP::ClientConfig->new(client_id => 'ClientX', password => 'foo-BAR2',
                                              object_uris => 'urn:x', keep_alive_ms => 0) },
              'LibEPP::Error::InvalidConfig', 'keep_alive_ms 0');
    ok(LibEPP::ClientConfig->new(client_id => 'ClientX', password => 'foo-BAR2', object_uris => 'urn:x',
                                 keep_alive_ms => 'never', response_deadline_ms => 5000, lang => 'fr',
                                 new_password => 'new-PASS3', cl_trid_prefix => 'AB-', max_frame_size => 4096,
                                 extension_uris => [{ uri => SECDNS_NS, required => 1 }], max_in_flight => 3),
       'every option');
    ok(!eval { LibEPP::ClientConfig->new(client_id => 'ClientX', password => 'foo-BAR2', colour => 1); 1 },
       'an unknown option croaks');
    like($@, qr/unknown option 'colour'/, '... naming it');
    ok(!eval { LibEPP::ClientConfig->new(password => 'foo-BAR2'); 1 }, 'client_id is required');
    ok(!eval { LibEPP::ClientConfig->new(client_id => 'ClientX', password => 'foo-BAR2',
                                         object_uris => [{ url => 'x' }]); 1 }, 'a bad service item croaks');
    ok(!eval { LibEPP::Client->new(config => $config, client_id => 'Y'); 1 }, 'config and options: croaks');
    like($@, qr/either config or the configuration options/, '... saying why');
    ok(!eval { LibEPP::Client->new(config => 'x'); 1 }, 'config must be a LibEPP::ClientConfig');
}

# ---------------------------------------------------------------------
# Against the binding's own server, in memory
# ---------------------------------------------------------------------

{
    my $server = test_server();
    my $s = new_session($server);
    my $c = LibEPP::Client->new(
        client_id => 'registrar1', password => 'secret-pw1',
        object_uris => [{ uri => DOMAIN_NS, required => 1 }, CONTACT_NS],
        extension_uris => [SECDNS_NS], max_in_flight => 4, cl_trid_prefix => 'PC-', now => NOW,
    );
    my $pump = sub {
        for (1 .. 10) {
            my $a = $s->drain_output;
            $c->feed_input($a, NOW) if length $a;
            my $b = $c->drain_output;
            $s->feed_input($b, NOW) if length $b;
            last if !length($a) && !length($b);
        }
    };
    is($c->state_name, 'awaiting_greeting', 'awaiting the greeting');
    is($c->next_timeout, NOW + 60000, 'the greeting deadline');
    $pump->();
    my $g = $c->poll_queue;
    isa_ok($g, 'LibEPP::Client::Event::Greeting');
    is($g->kind_name, 'greeting', 'kind_name');
    ok(!defined $g->hello, 'the first greeting answers no hello');
    is($g->sv_id, 'LibEPP Perl Test Registry', 'sv_id');
    is($g->sv_date_ms, NOW, 'sv_date_ms');
    is_deeply([$g->object_uris], [DOMAIN_NS, CONTACT_NS, HOST_NS], 'object_uris');
    is_deeply([$g->extension_uris], [SECDNS_NS], 'extension_uris');
    is_deeply([$g->versions], ['1.0'], 'versions');
    like($g->dcp, qr/^<dcp /, 'dcp');

    my $login = $c->login(now => NOW);
    isa_ok($login, 'LibEPP::Client::Command');
    is($login->kind_name, 'login', 'login command');
    is($login->cl_trid, 'PC-1', 'generated clTRID');
    is($login->sent_at, NOW, 'written at once');
    $pump->();
    my $r = $s->poll_queue;
    ok($r->is_login, 'the server got the login');
    is($r->client_id, 'registrar1', '... clID');
    is_deeply([$r->object_uris], [DOMAIN_NS, CONTACT_NS], '... the offered wanted objURIs, in order');
    $r->answer_login('accepted');
    $pump->();
    my $ev = $c->poll_queue;
    isa_ok($ev, 'LibEPP::Client::Event::Login');
    is($ev->code, 1000, 'login 1000');
    ok($ev->is_success, 'is_success');
    is($ev->command->id, $login->id, 'the login event names the login');
    is($ev->response_cl_trid, 'PC-1', 'response clTRID');
    like($ev->sv_trid, qr/^PT/, 'svTRID');
    is_deeply($ev->services, { object_uris => [DOMAIN_NS, CONTACT_NS], extension_uris => [SECDNS_NS],
                               lang => 'en', login_security => 0 }, 'services in force');
    is($c->state_name, 'logged_in', 'logged in');

    # Pipelining: three checks with tags, one with an extension and its own clTRID.
    my @cmds = map { $c->command(check => $CHECK, tag => $_, now => NOW) } 1 .. 2;
    push @cmds, $c->command(update => '<domain:update xmlns:domain="' . DOMAIN_NS . '"><domain:name>a.example'
                                      . '</domain:name></domain:update>',
                            extension => '<secDNS:update xmlns:secDNS="' . SECDNS_NS . '"/>',
                            cl_trid => 'UPD-1', tag => 3, now => NOW);
    is_deeply([map { $_->tag } @cmds], [1, 2, 3], 'tags');
    is($cmds[2]->cl_trid, 'UPD-1', 'a clTRID of the caller');
    is($c->in_flight, 3, 'three in flight');
    $pump->();
    my @reqs = $s->poll_requests;
    is(scalar @reqs, 3, 'the server got three commands');
    like($reqs[2]->extension_xml, qr/^<secDNS:update .*xmlns:secDNS="\Q${\ SECDNS_NS}\E"/, '... with the extension');
    # Answered out of order by the server's host; responses come in order.
    $reqs[$_]->answer_command(LibEPP::Response->new(1000)->set_res_data(
        '<domain:chkData xmlns:domain="' . DOMAIN_NS . '"><domain:cd><domain:name avail="1">x</domain:name>'
        . '</domain:cd></domain:chkData>')) for 1, 0;
    $reqs[2]->answer_command(2303);
    $pump->();
    my @evs = $c->poll_events;
    is_deeply([map { $_->tag } @evs], [1, 2, 3], 'responses matched in order');
    is_deeply([map { $_->code } @evs], [1000, 1000, 2303], '... with their codes');
    like($evs[0]->res_data, qr/avail="1"/, 'resData');
    ok(!defined $evs[2]->res_data, 'no resData');
    is_deeply([map { $_->{code} } $evs[2]->results], [2303], 'results');

    # Poll with a message, then ack it.
    $c->poll(now => NOW);
    $pump->();
    $s->poll_queue->answer_poll_message(id => 7, count => 3, queued_at => NOW - 1000, text => 'hi', lang => 'fr');
    $pump->();
    $ev = $c->poll_queue;
    is($ev->code, 1301, 'poll 1301');
    is_deeply($ev->msgq, { count => 3, id => '7', date => '2027-01-15T07:59:59.000Z', date_ms => NOW - 1000,
                           message => 'hi', lang => 'fr' }, 'msgq');
    my $ack = $c->ack($ev->msgq->{id}, now => NOW);
    is($ack->kind_name, 'poll_ack', 'ack');
    $pump->();
    my $q = $s->poll_queue;
    is($q->message_id, 7, 'the server got the ack');
    $q->answer_ack(2);
    $pump->();
    is($c->poll_queue->msgq->{count}, 2, 'ack response');

    # A hello: its greeting names it.
    my $hello = $c->hello(now => NOW);
    ok(!defined $hello->cl_trid, 'a hello has no clTRID');
    $pump->();
    $ev = $c->poll_queue;
    ok($ev->is_greeting, 'greeting');
    is($ev->hello->id, $hello->id, '... answering the hello');

    # Logout: closing, then closed when the server's connection ends.
    $c->logout(now => NOW);
    $pump->();
    $s->poll_queue;    # session end
    @evs = $c->poll_events;
    is_deeply([map { $_->kind_name } @evs], ['response', 'closed'], 'logout: response, closed');
    is($evs[0]->code, 1500, 'logout answered 1500');
    is($evs[1]->close_reason_name, 'logout', 'reason logout');
    is_deeply([$evs[1]->unanswered], [], 'nothing unanswered');
    is($c->state_name, 'closing', 'closing');
    ok($c->wants_input, 'reads on to see the end');
    $c->handle_eof(NOW);
    ok($c->is_finished, 'finished');
    ok(!$c->wants_input, 'no more input');
    dies_with(sub { $c->poll(now => NOW) }, 'LibEPP::Error::SessionClosed', 'commands after the end');
    like($c->last_error, qr/closed/, 'last_error');
    dies_with(sub { $c->feed_input('x', NOW) }, 'LibEPP::Error::SessionClosed', 'input after the end');
}

# ---------------------------------------------------------------------
# Refusals: nothing sent, no clTRID used
# ---------------------------------------------------------------------

{
    my $c = LibEPP::Client->new(client_id => 'ClientX', password => 'foo-BAR2', object_uris => [DOMAIN_NS],
                                extension_uris => [{ uri => SECDNS_NS, required => 1 }], lang => 'fr', now => NOW);
    dies_with(sub { $c->login(now => NOW) }, 'LibEPP::Error::WrongState', 'login before the greeting');
    $c->feed_input(frame(greeting_xml(exts => [])), NOW);
    $c->poll_events;
    dies_with(sub { $c->login(now => NOW) }, 'LibEPP::Error::LanguageNotOffered', 'language not offered');
    $c->hello(now => NOW);
    $c->feed_input(frame(greeting_xml(exts => [], langs => ['fr'])), NOW);
    $c->poll_events;
    my $e = dies_with(sub { $c->login(now => NOW) }, 'LibEPP::Error::ServiceNotOffered', 'a required extension');
    like("$e", qr/secDNS/, '... the message names it');
    $c->hello(now => NOW);
    $c->feed_input(frame(greeting_xml(langs => ['fr'])), NOW);
    $c->poll_events;
    $c->drain_output;
    is($c->login(now => NOW)->cl_trid, 'ClientX-1', 'the login takes the first clTRID');
    dies_with(sub { $c->login(now => NOW) }, 'LibEPP::Error::WrongState', 'a second login');
    $c->feed_input(frame(response_xml(1000, 'ClientX-1')), NOW);
    $c->poll_events;
    $c->drain_output;
    dies_with(sub { $c->command(check => '<contact:check xmlns:contact="' . CONTACT_NS . '"/>', now => NOW) },
              'LibEPP::Error::NotLoggedInWith', 'an objURI not logged in with');
    dies_with(sub { $c->command(check => '<domain:check', now => NOW) }, 'LibEPP::Error::InvalidXml', 'bad XML');
    dies_with(sub { $c->command(transfer => $CHECK, now => NOW) }, 'LibEPP::Error::InvalidCommand',
              'a transfer without its op');
    dies_with(sub { $c->hello(cl_trid => 'HELLO-1', now => NOW) }, 'LibEPP::Error::InvalidCommand',
              'a hello with a clTRID');
    dies_with(sub { $c->ack('', now => NOW) }, 'LibEPP::Error::InvalidCommand', 'an empty message id');
    is($c->drain_output, '', 'nothing was sent');
    my $t = $c->command(transfer => $CHECK, op => 'query', now => NOW);
    is($t->cl_trid, 'ClientX-2', 'the next command takes the next clTRID');
    my $s2 = $c->send(EPP_CLIENT_COMMAND_KIND_INFO, $CHECK, tag => 5, now => NOW);
    is($s2->kind_name, 'info', 'send with a numeric kind');
    is($s2->tag, 5, '... and a tag');
    ok(!defined $s2->sent_at, '... waiting for room (max_in_flight 1)');
    is($c->queued, 1, 'one queued');
    ok(!eval { $c->send('frob'); 1 }, 'send: an unknown kind croaks');
    ok(!eval { $c->command(frob => $CHECK); 1 }, 'command: an unknown verb croaks');
    ok(!eval { $c->poll(colour => 1); 1 }, 'an unknown option croaks');
    ok(!eval { $c->poll(tag => -1); 1 }, 'a bad tag croaks');
    dies_with(sub { $c->send('hello', 'x', now => NOW) }, 'LibEPP::Error::InvalidArgument',
              'send: an argument for a hello');
    dies_with(sub { $c->send('check', now => NOW) }, 'LibEPP::Error::NullParameter', 'send: a check without XML');
    dies_with(sub { $c->send('check', $CHECK, op => 'query', now => NOW) }, 'LibEPP::Error::InvalidArgument',
              'send: an op for a check');
}

{
    my $c = LibEPP::Client->new(client_id => 'ClientX', password => 'correct horse battery staple',
                                object_uris => [DOMAIN_NS, CONTACT_NS], now => NOW);
    $c->feed_input(frame(greeting_xml(objs => [HOST_NS], exts => [LOGINSEC_NS])), NOW);
    $c->poll_events;
    dies_with(sub { $c->login(now => NOW) }, 'LibEPP::Error::NoObjectService', 'no common objURI');
    $c->hello(now => NOW);
    $c->feed_input(frame(greeting_xml(exts => [])), NOW);
    $c->poll_events;
    dies_with(sub { $c->login(now => NOW) }, 'LibEPP::Error::PasswordTooLong', 'a long password without RFC 8807');
    $c->hello(now => NOW);
    $c->feed_input(frame(greeting_xml(exts => [LOGINSEC_NS])), NOW);
    $c->poll_events;
    $c->drain_output;
    $c->login(now => NOW);
    my ($login) = unframe($c->drain_output);
    like($login, qr{<pw>\[LOGIN-SECURITY\]</pw>}, 'RFC 8807: the placeholder');
    like($login, qr{<loginSec:pw>correct horse battery staple</loginSec:pw>}, '... and the password');
    $c->feed_input(frame(response_xml(1000, 'ClientX-1', '<extension><loginSec:loginSecData xmlns:loginSec="'
        . LOGINSEC_NS . '"><loginSec:event type="password" level="warning" exDate="2027-04-15T08:00:00Z">'
        . 'soon</loginSec:event></loginSec:loginSecData></extension>')), NOW);
    my $ev = $c->poll_queue;
    is($ev->services->{login_security}, 1, 'the login used RFC 8807');
    like($ev->extension, qr/loginSecData/, 'the loginSecData extension');
}

# ---------------------------------------------------------------------
# Deadlines and close reasons
# ---------------------------------------------------------------------

sub logged_in {
    my (%o) = @_;
    my $c = LibEPP::Client->new(client_id => 'ClientX', password => 'foo-BAR2', object_uris => [DOMAIN_NS],
                                response_deadline_ms => 10000, keep_alive_ms => 30000, now => NOW, %o);
    $c->feed_input(frame(greeting_xml()), NOW);
    $c->login(now => NOW);
    $c->feed_input(frame(response_xml(1000, 'ClientX-1')), NOW);
    $c->poll_events;
    $c->drain_output;
    return $c;
}

{
    my $now = NOW;
    my $c = logged_in(clock => sub { $now });
    is($c->next_timeout, NOW + 30000, 'keep-alive deadline');
    ok(!$c->handle_timeout(NOW + 29999), 'not due yet');
    $now = NOW + 30000;
    ok($c->handle_timeout, 'due (the clock)');
    my $ev = $c->poll_queue;
    isa_ok($ev, 'LibEPP::Client::Event::KeepAlive');
    ok($ev->command->is_keep_alive, 'a keep-alive hello');
    like($c->drain_output, qr{<hello/>}, 'the hello was written');
    is($c->next_timeout, NOW + 40000, 'its response deadline');
    ok($c->handle_timeout(NOW + 40000), 'overdue');
    my @evs = $c->poll_events;
    is_deeply([map { $_->kind_name } @evs], ['response_overdue', 'closed'], 'overdue, then closed');
    is($evs[1]->close_reason_name, 'response_overdue', 'reason');
    is($evs[1]->close_detail('command_id'), $ev->command->id, 'the command id');
    is($evs[1]->close_detail(EPP_CLOSE_DETAIL_COMMAND_ID), $ev->command->id, '... by value');
    ok(!defined $evs[1]->close_detail('result_code'), 'no result code');
    is($c->close_reason_name, 'response_overdue', 'the session says so');
    is($c->close_detail(EPP_CLOSE_DETAIL_COMMAND_ID), $ev->command->id, 'session close_detail');
    ok(!defined $c->next_timeout, 'no more deadlines');
}

{
    my $c = logged_in(max_in_flight => 2);
    my @c = map { $c->command(check => $CHECK, tag => $_, now => NOW) } 1 .. 3;
    $c->feed_input(frame(response_xml(1000, 'OTHER-1')), NOW);
    my $ev = $c->poll_queue;
    ok($ev->is_closed, 'a clTRID mismatch closes');
    is($ev->protocol_error_name, 'cl_trid_mismatch', 'protocol error');
    is($ev->expected_cl_trid, 'ClientX-2', 'expected');
    is($ev->received_cl_trid, 'OTHER-1', 'received');
    like($ev->close_reason_text, qr/OTHER-1/, 'text');
    is_deeply([map { $_->tag } $ev->unanswered], [1, 2, 3], 'every command unanswered, sent or not');
    ok(!defined(($ev->unanswered)[2]->sent_at), 'the third was never written');
    is($c->protocol_error_name, 'cl_trid_mismatch', 'the session says so');
    ok(!defined $c->poll_queue, 'one closed event');
}

{
    my $c = LibEPP::Client->new(client_id => 'ClientX', password => 'foo-BAR2', object_uris => [DOMAIN_NS], now => NOW);
    $c->feed_input("\0\0\0\x02", NOW);
    my $ev = $c->poll_queue;
    is($ev->protocol_error_name, 'bad_frame_length', 'bad frame length');
    is($ev->close_detail('frame_length'), 2, 'length');
    is($ev->close_detail('frame_limit'), 16777216, 'limit');
    $c = LibEPP::Client->new(client_id => 'ClientX', password => 'foo-BAR2', object_uris => [DOMAIN_NS], now => NOW);
    $c->feed_input(substr(frame(greeting_xml()), 0, 20), NOW);
    is($c->buffered_input, 20, 'an unfinished frame held');
    $c->handle_eof(NOW);
    $ev = $c->poll_queue;
    is($ev->close_reason_name, 'peer_closed_mid_frame', 'end of input inside a frame');
    is($ev->close_detail('bytes_received'), 20, 'bytes received');
    $c = logged_in();
    $c->command(info => $CHECK, now => NOW);
    $c->feed_input(frame(greeting_xml()), NOW);
    $ev = $c->poll_queue;
    is($ev->protocol_error_name, 'unexpected_greeting', 'a greeting answering an info');
    is($LibEPP::CLIENT_COMMAND_KIND_NAME{$ev->close_detail('command_kind')}, 'info', 'answering an info');
    $c = logged_in();
    $c->poll(now => NOW);
    $c->feed_input(frame(response_xml(2502, 'ClientX-2')), NOW);
    my @evs = $c->poll_events;
    is($evs[1]->close_reason_name, 'server_closing', '25xx: server closing');
    is($evs[1]->close_detail('result_code'), 2502, 'the code');
    $c->close;
    ok($c->is_finished, 'the host closes');
    ok(!defined $c->poll_queue, 'no second closed event');
    $c = logged_in();
    $c->poll(now => NOW);
    $c->close;
    is($c->output_length, 0, 'host close drops output');
    $ev = $c->poll_queue;
    is($ev->close_reason_name, 'host', 'reason host');
    is(scalar($ev->unanswered), 1, 'the poll unanswered');
}

# ---------------------------------------------------------------------
# Memory: many sessions made and freed
# ---------------------------------------------------------------------

SKIP: {
    skip '/proc/self/statm is needed to measure memory', 1 if !-r '/proc/self/statm';
    skip 'LIBEPP_TEST_QUICK is set (perl/t/run.sh runs this part)', 1 if $ENV{LIBEPP_TEST_QUICK};
    my $rss = sub {
        open(my $fh, '<', '/proc/self/statm') or die "statm: $!";
        my (undef, $resident) = split ' ', scalar <$fh>;
        return $resident * 4096;
    };
    my $config = LibEPP::ClientConfig->new(client_id => 'ClientX', password => 'foo-BAR2',
                                           object_uris => [DOMAIN_NS], max_in_flight => 2);
    my $greeting = frame(greeting_xml());
    my $one = sub {
        my $c = LibEPP::Client->new(config => $config, now => NOW);
        $c->feed_input($greeting, NOW);
        $c->login(now => NOW);
        $c->feed_input(frame(response_xml(1000, 'ClientX-1')), NOW);
        $c->command(check => $CHECK, tag => 1, now => NOW) for 1 .. 3;
        $c->feed_input(frame(response_xml(1000, 'ClientX-2', '<resData><x:y xmlns:x="urn:x"/></resData>')), NOW);
        $c->close;
        my @e = $c->poll_events;
        $c->drain_output;
        return scalar @e;
    };
    $one->() for 1 .. 500;
    my $before = $rss->();
    $one->() for 1 .. 5000;
    my $growth = $rss->() - $before;
    ok($growth < 2 * 1024 * 1024, sprintf('5,000 client sessions made and freed: RSS growth %.2f MiB',
                                          $growth / 1024 / 1024));
}

done_testing;
