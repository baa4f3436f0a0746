use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use Scalar::Util qw(blessed);

use LibEPP qw(:result);
use LibEPP::Config;
use LibEPP::RegistrarSessions;
use LibEPP::Server;
use TestEPP;

# Returns the exception of $code, or fails.
sub error_of {
    my ($code) = @_;
    return eval { $code->(); 1 } ? undef : $@;
}

sub libepp_error_ok {
    my ($err, $code, $detail_re, $name) = @_;
    subtest $name => sub {
        ok(blessed($err) && $err->isa('LibEPP::Error'), 'a LibEPP::Error') or diag("got: $err");
        return if !blessed($err);
        is($err->code, $code, "code $code (" . LibEPP::result_name($code) . ')');
        is($err->message, LibEPP::describe_result($code), 'message is the libepp result text');
        like($err->detail // '', $detail_re, 'detail: ' . ($err->detail // '(none)'));
        like("$err", qr/^libepp: \w+: \Q${\ LibEPP::describe_result($code)}\E/,
             'stringifies to the result text');
        like("$err", qr/ at \S+ line \d+\.\n\z/, "names the caller");
    };
}

# A full configuration: everything appears in the greeting.
{
    my $counter = LibEPP::RegistrarSessions->new(2);
    my $config = LibEPP::Config->new(
        server_id          => 'Perl Config Test',
        object_uris        => [DOMAIN_NS, CONTACT_NS],
        extension_uris     => [SECDNS_NS],
        versions           => ['1.0'],
        languages          => [qw(en fr)],
        limits             => { max_frame_size => 65536, max_in_flight => 4, max_pending_output => 131072,
                                max_failed_logins => 2, login_deadline_ms => 5000, idle_timeout_ms => 9000,
                                max_xml_depth => 32, max_xml_attributes => 16, max_xml_text => 4096,
                                max_buffered_input => 70000 },
        dcp_access         => 'personal_and_other',
        dcp_statements     => [
            { purposes => [qw(admin prov)], recipients => [qw(public)], retention => 'legal',
              ours_descriptions => ['Our partners'] },
            { purposes => 'contact', recipients => 'same', retention => 'none' },
        ],
        dcp_expiry_relative => 86_400_000,
        sv_trid_prefix     => 'CFG',
        sv_trid_epoch      => 42,
        transaction_log    => 1,
    );
    isa_ok($config, 'LibEPP::Config');
    is($config->server_id, 'Perl Config Test', 'server_id');
    is_deeply([$config->object_uris], [DOMAIN_NS, CONTACT_NS], 'object_uris');
    is_deeply([$config->extension_uris], [SECDNS_NS], 'extension_uris');
    is($config->transaction_log, 1, 'transaction_log');
    is($counter->max_per_client, 2, 'counter max_per_client');
    is($counter->count('nobody'), 0, 'counter count of an unknown clID');
    my $server = LibEPP::Server->new(config => $config, registrar_sessions => $counter, now => NOW);
    isa_ok($server, 'LibEPP::Server');
    is($server->config, $config, 'server config');
    is($server->registrar_sessions, $counter, 'server registrar_sessions');

    my $s = new_session($server);
    is($s->server, $server, 'session server');
    is($s->config, $config, 'session config');
    my ($g) = unframe($s->drain_output);
    like($g, qr{<svID>Perl Config Test</svID>}, 'greeting svID');
    like($g, qr{<lang>en</lang><lang>fr</lang>}, 'greeting languages');
    like($g, qr{<objURI>\Q${\ DOMAIN_NS}\E</objURI><objURI>\Q${\ CONTACT_NS}\E</objURI>}, 'greeting objURIs');
    like($g, qr{<svcExtension><extURI>\Q${\ SECDNS_NS}\E</extURI></svcExtension>}, 'greeting extURI');
    like($g, qr{<access><personalAndOther/></access>}, 'DCP access');
    like($g, qr{<purpose><admin/><prov/></purpose><recipient><ours><recDesc>Our partners</recDesc></ours><public/></recipient><retention><legal/></retention>},
         'DCP first statement with an ours description');
    like($g, qr{<purpose><contact/></purpose><recipient><same/></recipient><retention><none/></retention>},
         'DCP second statement');
    like($g, qr{<expiry><relative>PT86400S</relative></expiry>}, 'DCP relative expiry');

    # The limits took effect: the login deadline is 5 s.
    is($s->next_timeout, NOW + 5000, 'login_deadline_ms took effect');
    # svTRID prefix and epoch.
    login_ok($s);
    my $r = feed_all($s, poll_req_xml('CFG-1'));
    $r->answer_poll_empty;
    my ($rs) = unframe($s->drain_output);
    like(svtrid_of($rs), qr/^CFG-42-\d+$/, 'svTRID prefix and epoch: ' . svtrid_of($rs));
    is($counter->count('registrar1'), 1, 'the counter counts the logged-in session');
    undef $s;
    is($counter->count('registrar1'), 0, 'freeing the session releases its slot');
}

# Absolute expiry, access names, numbers for flags.
{
    my $config = test_config(dcp_access => 'none', dcp_expiry_absolute => NOW + 3_600_000,
                             dcp_statements => [{ purposes => 9, recipients => 2 }]);
    my ($g) = unframe(new_session($config)->drain_output);
    like($g, qr{<access><none/></access>}, 'DCP access none');
    like($g, qr{<purpose><admin/><prov/></purpose><recipient><ours/></recipient><retention><stated/></retention>},
         'flags given as numbers, retention defaults to stated');
    like($g, qr{<expiry><absolute>2027-01-15T09:00:00(?:\.0+)?Z</absolute></expiry>}, 'DCP absolute expiry');
}

# The default DCP: access all; admin and prov; ours and public; stated; no expiry.
{
    my ($g) = unframe(new_session(test_config())->drain_output);
    like($g, qr{<dcp><access><all/></access><statement><purpose><admin/><prov/></purpose><recipient><ours/><public/></recipient><retention><stated/></retention></statement></dcp>},
         'the default DCP');
}

# The max_buffered_input limit: a feed beyond it, while the session wants
# no input, is refused (it was 70000 above; here with its own config).
{
    my $s = greet(test_config(limits => { max_buffered_input => 262144 }));
    feed_all($s, login_xml());
    ok(!$s->wants_input, 'a login with the host: no input wanted');
    $s->feed_input('x' x 262144, NOW);
    my $e = error_of(sub { $s->feed_input('x', NOW) });
    is($e && $e->code, EPP_RESULT_INPUT_BUFFER_FULL, 'max_buffered_input took effect');
}

# A server of its own counter (max_sessions_per_registrar), and servers
# sharing one counter.
{
    my $server = test_server(test_config(), max_sessions_per_registrar => 1);
    isa_ok($server->registrar_sessions, 'LibEPP::RegistrarSessions');
    my $a = greet($server);
    login_ok($a);
    my $b = greet($server);
    my $r = feed_all($b, login_xml());
    is($r->answer_login('accepted'), 2502, 'a second session of the registrar is refused with 2502');
    my ($rs) = unframe($b->drain_output);
    is(result_code($rs), 2502, 'the response says 2502');
    is($b->state_name, 'closed', 'and the session closes');

    my $shared = LibEPP::RegistrarSessions->new(1);
    my @servers = map { test_server(test_config(), registrar_sessions => $shared) } 1 .. 2;
    my $first = greet($servers[0]);
    login_ok($first);
    my $second = greet($servers[1]);
    is(feed_all($second, login_xml())->answer_login('accepted'), 2502, 'a counter shared by two servers');
    is($shared->count('registrar1'), 1, 'counts one session');

    my $none = test_server(test_config(), registrar_sessions => LibEPP::RegistrarSessions->new(0));
    is(feed_all(greet($none), login_xml())->answer_login('accepted'), 2502,
       'a counter of 0 refuses every login with 2502');
}

# The svTRID epoch defaults to one derived from the server's start time:
# two servers started at once differ; sessions of one server share it.
{
    my $config = LibEPP::Config->new(server_id => 'Epoch Test', object_uris => [DOMAIN_NS],
                                     sv_trid_prefix => 'EP');
    my @svtrids;
    for my $server (map { LibEPP::Server->new(config => $config, now => NOW) } 1 .. 2) {
        for (1 .. 2) {
            my $s = greet($server);
            my $r = feed_all($s, login_xml());
            $r->answer_login('accepted');
            push @svtrids, svtrid_of((unframe($s->drain_output))[0]);
        }
    }
    my @epochs = map { /^EP-(\d+)-\d+$/ ? $1 : 'none' } @svtrids;
    like($epochs[0], qr/^\Q${\ NOW}\E\d{3}$/, "the default epoch is now_ms * 1000 + n: $epochs[0]");
    is($epochs[0], $epochs[1], 'the sessions of one server share it');
    isnt($epochs[0], $epochs[2], 'two servers started in the same millisecond differ');
    isnt($svtrids[0], $svtrids[1], 'svTRIDs differ across sessions of a server: ' . join(' ', @svtrids));
}

# Validation errors: exceptions with libepp's text.
libepp_error_ok(error_of(sub { LibEPP::Config->new(server_id => 'x', object_uris => [DOMAIN_NS]) }),
                EPP_RESULT_INVALID_CONFIG, qr/server_id.*3 to 64/, 'server_id too short');
libepp_error_ok(error_of(sub { LibEPP::Config->new(server_id => 'Example', object_uris => []) }),
                EPP_RESULT_INVALID_CONFIG, qr/object_uris: at least one is required/, 'no object URI');
libepp_error_ok(error_of(sub { test_config(limits => { max_pending_output => 10 }) }),
                EPP_RESULT_INVALID_CONFIG, qr/max_pending_output: must be at least max_frame_size/,
                'limits that do not fit together');
libepp_error_ok(error_of(sub { test_config(limits => { login_deadline_ms => 0 }) }),
                EPP_RESULT_INVALID_CONFIG, qr/must be positive/, 'a zero login deadline');
libepp_error_ok(error_of(sub { test_config(sv_trid_prefix => 'bad prefix!') }),
                EPP_RESULT_INVALID_CONFIG, qr/sv_trid_prefix/, 'a bad svTRID prefix');
libepp_error_ok(error_of(sub { test_config(languages => ['not a tag!']) }),
                EPP_RESULT_INVALID_CONFIG, qr/not a language tag/, 'a bad language');
libepp_error_ok(error_of(sub { test_config(versions => ['2.0']) }),
                EPP_RESULT_INVALID_CONFIG, qr/only 1\.0 exists/, 'a version that does not exist');
libepp_error_ok(error_of(sub { test_config(dcp_statements => [{ purposes => 'admin', recipients => [] }]) }),
                EPP_RESULT_INVALID_CONFIG, qr/every statement needs a purpose and a recipient/,
                'a DCP statement without recipient');
libepp_error_ok(error_of(sub { test_config(object_uris => [map { "urn:example:obj-$_" } 1 .. 65]) }),
                EPP_RESULT_INVALID_CONFIG, qr/64/, 'more than 64 object URIs');
libepp_error_ok(error_of(sub { test_config(limits => { max_frame_size => 2**33 }) }),
                EPP_RESULT_INVALID_ARGUMENT, qr/^value: 8589934592 is out of range for limit 1 \(at most 4294967295\)$/, 'a limit that does not fit its type (the detail names it, since 0.6)');
{
    my $e = error_of(sub { LibEPP::Config->new(server_id => 'x', object_uris => [DOMAIN_NS]) });
    is($e->function, 'epp_config_builder_build', 'the failed function is named');
}

# Misuse of the Perl API croaks with a plain message.
like(error_of(sub { LibEPP::Config->new(object_uris => [DOMAIN_NS]) }), qr/server_id is required/,
     'server_id is required');
like(error_of(sub { test_config(bogus => 1) }), qr/unknown option 'bogus'/, 'unknown option');
like(error_of(sub { test_config(limits => { max_frames => 1 }) }), qr/unknown limit 'max_frames'/,
     'unknown limit');
like(error_of(sub { test_config(limits => { max_frame_size => -1 }) }), qr/non-negative integer/,
     'negative limit');
like(error_of(sub { test_config(dcp_access => 'everyone') }), qr/unknown dcp_access 'everyone'/,
     'unknown DCP access');
like(error_of(sub { test_config(dcp_statements => [{ purposes => 'fun', recipients => 'ours' }]) }),
     qr/unknown DCP purpose 'fun'/, 'unknown DCP purpose');
like(error_of(sub { test_config(registrar_sessions => LibEPP::RegistrarSessions->new(1)) }),
     qr/registrar_sessions belongs to the server: LibEPP::Server->new/, 'registrar_sessions on a config');
like(error_of(sub { test_config(max_sessions_per_registrar => 1) }),
     qr/max_sessions_per_registrar belongs to the server/, 'max_sessions_per_registrar on a config');
like(error_of(sub { test_server(test_config(), registrar_sessions => {}) }),
     qr/must be a LibEPP::RegistrarSessions/, 'registrar_sessions of the wrong class');
like(error_of(sub { test_server(test_config(), registrar_sessions => LibEPP::RegistrarSessions->new(1),
                                max_sessions_per_registrar => 2) }), qr/not both/, 'both counters');
like(error_of(sub { LibEPP::Server->new(config => {}) }), qr/config must be a LibEPP::Config/,
     'a server needs a config');
like(error_of(sub { LibEPP::Server->new(config => test_config(), now => 'soon') }), qr/now must be/,
     'now must be milliseconds');
like(error_of(sub { LibEPP::Server->new(config => test_config(), bogus => 1) }), qr/unknown option 'bogus'/,
     'unknown server option');
isa_ok(LibEPP::Server->new(test_config()), 'LibEPP::Server', 'Server->new($config)');
like(error_of(sub { LibEPP::RegistrarSessions->new(-1) }), qr/non-negative integer/, 'a negative counter');
like(error_of(sub { test_config(sv_trid_epoch => 'x') }), qr/sv_trid_epoch must be a non-negative integer/,
     'a non-numeric epoch');
like(error_of(sub { test_config(dcp_expiry_relative => -5) }), qr/dcp_expiry_relative must be/,
     'a negative expiry');
libepp_error_ok(error_of(sub { test_config(dcp_statements => [{ purposes => 64, recipients => 'ours' }]) }),
                EPP_RESULT_INVALID_ARGUMENT, qr/^purposes: 0x40 has bits that are no EPP_DCP_PURPOSE_\* flag$/, 'unknown DCP purpose bits (named, since 0.6)');
libepp_error_ok(error_of(sub { test_config(limits => { max_buffered_input => 1000 }) }),
                EPP_RESULT_INVALID_CONFIG, qr/max_buffered_input/, 'max_buffered_input below max_frame_size');

# The builder's text is passed through as characters.
{
    my $e = error_of(sub { LibEPP::Config->new(server_id => "R\x{e9}gistre \x{2603}" x 10,
                                                 object_uris => [DOMAIN_NS]) });
    like($e->detail // '', qr/R\x{e9}gistre \x{2603}/, 'non-ASCII detail text round-trips as characters');
}
{
    my $config = LibEPP::Config->new(server_id => "R\x{e9}gistre \x{2603}", object_uris => [DOMAIN_NS]);
    my ($g) = unframe(new_session($config)->drain_output);
    my $want = "<svID>R\x{e9}gistre \x{2603}</svID>";
    utf8::encode($want);
    like($g, qr/\Q$want\E/, 'a non-ASCII svID is sent as UTF-8 bytes');
}

done_testing;
