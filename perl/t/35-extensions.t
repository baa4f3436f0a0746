use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use Scalar::Util qw(blessed);

use LibEPP qw(:result :kind :security_event);
use LibEPP::Config;
use LibEPP::PollMessage;
use LibEPP::SecurityEvent;
use LibEPP::Session;
use LibEPP::Transaction;
use TestEPP;

# What 0.3 adds: RFC 8807 login security (the config option, the real
# password, the user agent, security events with the login answer), RFC 9038
# (the config option), RFC 3735 protocol extensions (the extension request),
# and structured poll messages (msg_xml).

use constant LOGINSEC_NS  => 'urn:ietf:params:xml:ns:epp:loginSec-1.0';
use constant UNHANDLED_NS => 'urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0';
use constant EXT_NS       => 'urn:example:ext-1.0';

sub error_of { my ($code) = @_; return eval { $code->(); 1 } ? undef : $@ }

sub error_is {
    my ($err, $code, $name) = @_;
    ok(blessed($err) && $err->isa('LibEPP::Error') && $err->code == $code,
       "$name: " . LibEPP::result_name($code)) or diag("got: " . ($err // '(no exception)'));
}

sub response_of {
    my ($s) = @_;
    my @f = unframe($s->drain_output);
    is(scalar @f, 1, 'one response') or diag(join "\n", @f);
    return $f[0] // '';
}

sub greeting_of {
    my ($config) = @_;
    my ($g) = unframe(new_session($config)->drain_output);
    return $g;
}

# A login using RFC 8807: [LOGIN-SECURITY] and the real password in
# <loginSec:pw>, after $ua (children of <loginSec:loginSec>).
sub loginsec_login_xml {
    my ($ua, $pw) = @_;
    $pw //= 'this is a long password';
    return qq{<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">}
         . qq{<command><login><clID>registrar1</clID><pw>[LOGIN-SECURITY]</pw><options><version>1.0}
         . qq{</version><lang>en</lang></options><svcs><objURI>} . DOMAIN_NS . qq{</objURI><svcExtension>}
         . qq{<extURI>} . LOGINSEC_NS . qq{</extURI></svcExtension></svcs></login><extension>}
         . qq{<loginSec:loginSec xmlns:loginSec="} . LOGINSEC_NS . qq{">$ua<loginSec:pw>$pw</loginSec:pw>}
         . qq{</loginSec:loginSec></extension><clTRID>LS-1</clTRID></command></epp>};
}

my $UA = '<loginSec:userAgent><loginSec:app>EPP SDK 1.0.0</loginSec:app>'
       . '<loginSec:tech>Vendor Java 11.0.6</loginSec:tech>'
       . '<loginSec:os>x86_64 Mac OS X 10.21</loginSec:os></loginSec:userAgent>';

# ---------------------------------------------------------------------
# Config: login_security and unhandled_namespaces.
# ---------------------------------------------------------------------
{
    my $plain = test_config();
    is($plain->login_security, undef, 'login_security: not offered by default');
    is($plain->unhandled_namespaces, 0, 'unhandled_namespaces: off by default');
    unlike(greeting_of($plain), qr/loginSec|unhandled-namespaces/, 'the greeting offers neither');

    my $c = test_config(login_security => { min_password_len => 8, max_password_len => 64 },
                        unhandled_namespaces => 1);
    is_deeply($c->login_security, { min_password_len => 8, max_password_len => 64 }, 'login_security');
    is($c->unhandled_namespaces, 1, 'unhandled_namespaces');
    my ($sec, $un, $ls) = (SECDNS_NS, UNHANDLED_NS, LOGINSEC_NS);
    like(greeting_of($c), qr{<svcExtension><extURI>\Q$sec\E</extURI><extURI>\Q$un\E</extURI><extURI>\Q$ls\E</extURI></svcExtension>},
         'the greeting lists both, after the other extension URIs');
    is_deeply([$c->extension_uris], [SECDNS_NS], 'extension_uris: those given');

    is_deeply(test_config(login_security => 1)->login_security,
              { min_password_len => 6, max_password_len => 128 }, 'login_security => 1: the defaults');
    is_deeply(test_config(login_security => { max_password_len => 20 })->login_security,
              { min_password_len => 6, max_password_len => 20 }, 'one bound given');
    is(test_config(login_security => 0)->login_security, undef, 'login_security => 0: not offered');
    unlike(greeting_of(test_config(unhandled_namespaces => 0)), qr/unhandled-namespaces/, 'unhandled_namespaces => 0');

    my $e = error_of(sub { test_config(login_security => { min_password_len => 5 }) });
    error_is($e, EPP_RESULT_INVALID_CONFIG, 'a minimum under 6');
    like($e && $e->detail // '', qr/login_security/, 'the detail names login_security');
    error_is(error_of(sub { test_config(login_security => { min_password_len => 50, max_password_len => 40 }) }),
             EPP_RESULT_INVALID_CONFIG, 'the minimum above the maximum');
    error_is(error_of(sub { test_config(login_security => { max_password_len => 1025 }) }),
             EPP_RESULT_INVALID_CONFIG, 'a maximum above 1024');
    like(error_of(sub { test_config(login_security => { max => 20 }) }), qr/unknown login_security key 'max'/,
         'an unknown key croaks');
    like(error_of(sub { test_config(login_security => { max_password_len => 'x' }) }), qr/non-negative integer/,
         'a bound that is not a number croaks');
    like(error_of(sub { test_config(login_security => [6, 128]) }), qr/hash reference/, 'not a hash croaks');
    error_is(error_of(sub { test_config(extension_uris => [LOGINSEC_NS]) }), EPP_RESULT_INVALID_CONFIG,
             'the RFC 8807 URI as a plain extension URI');
}

# ---------------------------------------------------------------------
# Login security: the real password, the user agent.
# ---------------------------------------------------------------------
my $ls_config = test_config(login_security => { min_password_len => 8, max_password_len => 64 });
my $ls_server = test_server($ls_config);
{
    my $s = greet($ls_server);
    my $r = feed_all($s, loginsec_login_xml($UA));
    isa_ok($r, 'LibEPP::Request::Login');
    is($r->password, 'this is a long password', 'password: the real one from <loginSec:pw>');
    is($r->extension_xml, undef, '<loginSec:loginSec> is not passed on as extension XML');
    is_deeply($r->user_agent, { app => 'EPP SDK 1.0.0', tech => 'Vendor Java 11.0.6', os => 'x86_64 Mac OS X 10.21' },
              'user_agent');
    is($r->user_agent_app, 'EPP SDK 1.0.0', 'user_agent_app');
    is($r->user_agent_tech, 'Vendor Java 11.0.6', 'user_agent_tech');
    is($r->user_agent_os, 'x86_64 Mac OS X 10.21', 'user_agent_os');
    is($r->answer_login('accepted'), 1000, 'accepted');
    unlike(response_of($s), qr/loginSec/, 'no events: no loginSecData');
}
{
    my $s = greet($ls_server);
    my $r = feed_all($s, loginsec_login_xml('<loginSec:userAgent><loginSec:tech>Perl 5</loginSec:tech></loginSec:userAgent>'));
    is_deeply($r->user_agent, { tech => 'Perl 5' }, 'user_agent: the parts given');
    is($r->user_agent_app, undef, 'an absent part is undef');
    $r = feed_all(greet($ls_server), loginsec_login_xml(''));
    is($r->user_agent, undef, 'no user agent: undef');
    my $s2 = greet($ls_server);
    feed_all($s2, loginsec_login_xml('', 'shorter'));
    is(result_code(response_of($s2)), 2306, 'a password under the configured bound: 2306, asked of nobody');
}
{
    my $s = greet($ls_server);
    login_ok($s);
    my $r = feed_all($s, poll_req_xml('P-1'));
    error_is(error_of(sub { $r->user_agent }), EPP_RESULT_NOT_APPLICABLE, 'user_agent of a poll');
    $r->answer_poll_empty;
}

# ---------------------------------------------------------------------
# Security events.
# ---------------------------------------------------------------------
{
    my $e = LibEPP::SecurityEvent->new(type => 'stat', name => 'failedLogins', value => 100,
                                       duration => 86_400_000, text => 'Excessive invalid daily logins');
    isa_ok($e, 'LibEPP::SecurityEvent');
    is($e->type, EPP_SECURITY_EVENT_TYPE_STAT, 'type');
    is($e->level, EPP_SECURITY_EVENT_LEVEL_WARNING, 'level: warning by default');
    is(LibEPP::SecurityEvent->new(type => 'tlsProtocol', level => 'error')->type, EPP_SECURITY_EVENT_TYPE_TLS_PROTOCOL,
       "RFC 8807's spelling of a type");
    is(LibEPP::SecurityEvent->new(type => EPP_SECURITY_EVENT_TYPE_NEW_PASSWORD)->type, 5, 'a type by value');
    like(error_of(sub { LibEPP::SecurityEvent->new(type => 'weather') }), qr/unknown type 'weather'/, 'unknown type');
    like(error_of(sub { LibEPP::SecurityEvent->new(type => 'cipher', level => 'panic') }), qr/unknown level/,
         'unknown level');
    like(error_of(sub { LibEPP::SecurityEvent->new(level => 'error') }), qr/type is required/, 'type is required');
    like(error_of(sub { LibEPP::SecurityEvent->new(type => 'cipher', colour => 1) }), qr/unknown option 'colour'/,
         'unknown option');
    error_is(error_of(sub { LibEPP::SecurityEvent->new(type => 99) }), EPP_RESULT_INVALID_ARGUMENT,
             'an unknown type value');
    error_is(error_of(sub { LibEPP::SecurityEvent->new(type => 'cipher', name => 'x') }), EPP_RESULT_NOT_APPLICABLE,
             'a name for a cipher event');
    like(error_of(sub { LibEPP::SecurityEvent->new(type => 'password', expires_at => 'soon') }),
         qr/non-negative integer/, 'expires_at must be milliseconds');
    my $c = LibEPP::SecurityEvent->new(type => 'cipher', value => 'x', lang => 'en', text => 't');
    is($c->set_value(undef)->set_lang(undef)->set_text(undef), $c, 'setters chain; undef removes');
}
{
    my $s = greet($ls_server);
    my $r = feed_all($s, loginsec_login_xml($UA));
    my $bad = LibEPP::SecurityEvent->new(type => 'password');
    error_is(error_of(sub { $r->answer_login('accepted', $bad) }), EPP_RESULT_INVALID_ANSWER,
             'a password event without exDate');
    like($s->last_error // '', qr/exDate/, '... the detail says why');
    error_is(error_of(sub { $r->answer_login('accepted', { type => 'custom' }) }), EPP_RESULT_INVALID_ANSWER,
             'a custom event without a name');
    error_is(error_of(sub { $r->answer_login('accepted', { type => 'cipher', lang => 'en_GB' }) }),
             EPP_RESULT_INVALID_ANSWER, 'a lang that is not a language tag');
    like(error_of(sub { $r->answer_login('accepted', 'cipher') }), qr/LibEPP::SecurityEvent or a hash reference/,
         'an event that is neither croaks');
    is($s->output_length, 0, 'nothing was answered');
    my @events = (
        LibEPP::SecurityEvent->new(type => 'password', expires_at => 1_585_094_400_000, lang => 'en',
                                   text => 'Password expiration soon'),
        { type => 'certificate', expires_at => 1_585_699_200_000 },
        { type => 'cipher', value => 'TLS_RSA_WITH_AES_128_CBC_SHA', text => 'Non-PFS Cipher negotiated' },
        { type => 'tls_protocol', value => 'TLSv1.0', text => 'Insecure TLS protocol' },
        { type => 'new_password', level => 'error', text => 'New password does not meet complexity requirements' },
        { type => 'stat', name => 'failedLogins', value => 100, duration => 86_400_000,
          text => 'Excessive invalid daily logins' },
        { type => 'custom', name => 'myCustomEvent', text => 'A custom login security event occured' },
    );
    is($r->answer_login('accepted', @events), 1000, 'accepted with seven events');
    my $ns = LOGINSEC_NS;
    is((response_of($s) =~ m{<extension>(.*)</extension>})[0],
       qq{<loginSec:loginSecData xmlns:loginSec="$ns">}
       . q{<loginSec:event type="password" level="warning" exDate="2020-03-25T00:00:00Z" lang="en">Password expiration soon</loginSec:event>}
       . q{<loginSec:event type="certificate" level="warning" exDate="2020-04-01T00:00:00Z"/>}
       . q{<loginSec:event type="cipher" level="warning" value="TLS_RSA_WITH_AES_128_CBC_SHA">Non-PFS Cipher negotiated</loginSec:event>}
       . q{<loginSec:event type="tlsProtocol" level="warning" value="TLSv1.0">Insecure TLS protocol</loginSec:event>}
       . q{<loginSec:event type="newPW" level="error">New password does not meet complexity requirements</loginSec:event>}
       . q{<loginSec:event type="stat" name="failedLogins" level="warning" value="100" duration="P1D">Excessive invalid daily logins</loginSec:event>}
       . q{<loginSec:event type="custom" name="myCustomEvent" level="warning">A custom login security event occured</loginSec:event>}
       . q{</loginSec:loginSecData>},
       'the response carries every event, in order, attributes in the schema order');
    error_is(error_of(sub { $r->answer_login('accepted', @events) }), EPP_RESULT_ALREADY_ANSWERED, 'answering twice');

    # A failed login gets its events; one event object answers many logins.
    my $s2 = greet($ls_server);
    my $r2 = feed_all($s2, loginsec_login_xml(''));
    is($s2->answer_login($r2->id, 'bad_credentials', $events[0]), 2200, 'bad credentials, with an event');
    like(response_of($s2), qr{<result code="2200">.*<loginSec:event type="password"}s, '... written');

    # A client that did not log in with RFC 8807: the events move into <extValue>.
    my $s3 = greet($ls_server);
    my $r3 = feed_all($s3, login_xml());
    is($r3->answer_login('accepted', { type => 'cipher', value => 'RC4' }), 1000, 'a client without loginSec');
    like(response_of($s3),
         qr{<extValue><value><loginSec:loginSecData xmlns:loginSec="\Q$ns\E">.*<reason>\Q$ns\E not in login services</reason></extValue>}s,
         '... gets the events in <extValue> (RFC 9038)');
}

# ---------------------------------------------------------------------
# Protocol extensions (RFC 3735).
# ---------------------------------------------------------------------
{
    my $server = test_server(test_config(extension_uris => [EXT_NS], transaction_log => 1));
    my $s = greet($server);
    my $ping = q{<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><extension>}
             . q{<x:ping xmlns:x="} . EXT_NS . q{"><x:clTRID>P-1</x:clTRID></x:ping></extension></epp>};
    is(feed_all($s, $ping), undef, 'before login: no request');
    is(result_code(response_of($s)), 2002, '... 2002');
    login_ok($s, exts => [EXT_NS]);
    my $r = feed_all($s, $ping);
    isa_ok($r, 'LibEPP::Request::Extension');
    is($r->kind, EPP_REQUEST_KIND_EXTENSION, 'kind');
    is($r->kind_name, 'extension', 'kind_name');
    ok($r->is_extension && !$r->is_command, 'is_extension');
    is($r->client_id, 'registrar1', 'client_id');
    is_deeply([$r->extension_uris], [EXT_NS], 'extension_uris');
    is($r->extension_xml, q{<x:ping xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:x="} . EXT_NS
                          . q{"><x:clTRID>P-1</x:clTRID></x:ping>}, 'extension_xml: the elements, standing alone');
    error_is(error_of(sub { $r->client_transaction_id }), EPP_RESULT_NOT_APPLICABLE, 'no clTRID');
    error_is(error_of(sub { $r->object_xml }), EPP_RESULT_NOT_APPLICABLE, 'no object');
    error_is(error_of(sub { $r->answer_poll_empty }), EPP_RESULT_WRONG_ANSWER, 'a poll answer');
    $r->answer_command(1000, extension => q{<x:pong xmlns:x="} . EXT_NS . q{"/>});
    my $rs = response_of($s);
    is(result_code($rs), 1000, 'answered like a command');
    like($rs, qr{<extension><x:pong xmlns:x="\Q${\ EXT_NS}\E"/></extension>}, '... with its extension');
    is(cltrid_of($rs), undef, '... and no clTRID');
    feed_all($s, $ping)->answer_failure('not now');
    is(result_code(response_of($s)), 2400, 'or answer_failure');
    my @commands;
    while (my $t = $s->poll_transaction) { push @commands, $t->command }
    is_deeply(\@commands, [qw(extension login extension extension)], 'the transaction log says "extension"');
}

# ---------------------------------------------------------------------
# Structured poll messages.
# ---------------------------------------------------------------------
{
    my $s = greet(test_config());
    login_ok($s);
    my $dom = DOMAIN_NS;
    my $r = feed_all($s, poll_req_xml('P-1'));
    error_is(error_of(sub { $r->answer_poll_message(id => 1, count => 1, queued_at => NOW, text => '',
                                                    msg_xml => 'plain text') }),
             EPP_RESULT_INVALID_XML, 'msg_xml that is not elements');
    $r->answer_poll_message(id => 1, count => 1, queued_at => NOW, text => 'Low credit',
                            msg_xml => qq{<domain:name xmlns:domain="$dom">x.cz</domain:name>}
                                     . q{<x:d xmlns:x="urn:example:not-logged-in">1</x:d>});
    my $rs = response_of($s);
    like($rs, qr{<msg lang="en">Low credit<domain:name xmlns:domain="\Q$dom\E">x.cz</domain:name></msg>},
         'msg_xml: in <msg>, after the text');
    like($rs, qr{<extValue><value><x:d xmlns:x="urn:example:not-logged-in">1</x:d></value>},
         '... an element of a namespace not logged in with moves into <extValue>');
    my $m = LibEPP::PollMessage->new(id => 2, count => 1, queued_at => NOW, text => 'plain',
                                     msg_xml => qq{<domain:name xmlns:domain="$dom">y.cz</domain:name>});
    is($m->set_msg_xml(undef), $m, 'set_msg_xml(undef) removes it');
    feed_all($s, poll_req_xml('P-2'))->answer_poll_message($m);
    like(response_of($s), qr{<msg lang="en">plain</msg>}, '... text only');
}

done_testing;
