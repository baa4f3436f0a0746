use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";

use LibEPP qw(:result);
use LibEPP::Session;
use LibEPP::Response;
use TestEPP;

# The 0.6 shortcuts: a login accepted or refused in one call, a command
# answered by a result code alone, and precise argument errors
# (epp_last_error).

sub error_of { my ($code) = @_; return eval { $code->(); 1 } ? undef : $@ }

my $config = test_config();

{
    my $s = greet($config);
    my $r = feed_all($s, login_xml(pw => 'wrong-pw1'));
    ok($r && $r->is_login, 'a login request');
    is($s->answer_login_verdict($r->id, 0), 0, 'refused: not logged in');
    my @f = unframe($s->drain_output);
    is(scalar @f, 1, 'one response');
    is(result_code($f[0]), 2200, '... 2200');
    $r = feed_all($s, login_xml());
    is($s->answer_login_verdict($r->id, 1), 1, 'accepted: logged in');
    @f = unframe($s->drain_output);
    is(result_code($f[0]), 1000, '... 1000');
    like($f[0], qr{<msg>Command completed successfully</msg>}, '... with the standard text');

    $r = feed_all($s, command_xml('info', '<domain:info xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>x.example</domain:name></domain:info>', cltrid => 'CMD-1'));
    ok($r, 'a command');
    my $e = error_of(sub { $s->answer_code($r->id, 1234) });
    isa_ok($e, 'LibEPP::Error', 'answer_code(1234)');
    is($e->code, EPP_RESULT_INVALID_ARGUMENT, '... EPP_RESULT_INVALID_ARGUMENT');
    like("$e", qr/result_code: 1234 is not an EPP result code/, '... naming the argument and value');
    $s->answer_code($r->id, 2303);
    @f = unframe($s->drain_output);
    is(scalar @f, 1, 'answer_code: one response');
    is(result_code($f[0]), 2303, '... 2303');
    like($f[0], qr{<msg>Object does not exist</msg>.*<clTRID>CMD-1</clTRID>}s, '... standard text and clTRID');
}

{
    my $e = error_of(sub { LibEPP::Response->new(1234) });
    isa_ok($e, 'LibEPP::Error', 'Response->new(1234)');
    like("$e", qr/1234 is not an EPP result code/, '... says which value');
    like(LibEPP::last_error(), qr/^result_code: 1234 is not an EPP result code/, 'LibEPP::last_error');
    $e = error_of(sub { LibEPP::Response->new(70000) });
    like("$e", qr/result_code: 70000 is not an EPP result code/, 'Response->new(70000): its own value, not a stale text');
}

done_testing;
