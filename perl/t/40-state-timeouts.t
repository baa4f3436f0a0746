use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";

use LibEPP qw(:close :state now_ms);
use LibEPP::Session;
use TestEPP;

my $config = test_config(limits => { login_deadline_ms => 60_000, idle_timeout_ms => 600_000 },
                         transaction_log => 1);

# ---------------------------------------------------------------------
# State and user through a whole session.
# ---------------------------------------------------------------------
{
    my $s = greet($config);
    my @seen = ([$s->state, $s->state_name, $s->user]);
    my $r = feed_all($s, login_xml(clid => 'registrar7', cltrid => 'ST-1'));
    push @seen, [$s->state, $s->state_name, $s->user];
    $r->answer_login('accepted');
    push @seen, [$s->state, $s->state_name, $s->user];
    my $p = feed_all($s, poll_req_xml('ST-2'));
    push @seen, [$s->state, $s->state_name, $s->user];
    $p->answer_poll_empty;
    push @seen, [$s->state, $s->state_name, $s->user];
    feed_all($s, logout_xml('ST-3'));
    push @seen, [$s->state, $s->state_name, $s->user];
    $s->drain_output;
    push @seen, [$s->state, $s->state_name, $s->user];
    is_deeply(\@seen, [
        ['Waiting for Client Authentication', 'awaiting_login', undef],
        ['Processing <login>',                'login_pending',  undef],
        ['Waiting for Command',               'logged_in',      'registrar7'],
        ['Processing Command',                'logged_in',      'registrar7'],
        ['Waiting for Command',               'logged_in',      'registrar7'],
        ['Shutting down',                     'closing',        'registrar7'],
        ['End',                               'closed',         'registrar7'],
    ], 'state, state_name and user at each step') or diag(explain(\@seen));
}

# ---------------------------------------------------------------------
# Timeouts, with explicit times.
# ---------------------------------------------------------------------
{
    # The login deadline.
    my $s = greet($config);
    is($s->next_timeout, NOW + 60_000, 'the login deadline runs from the connection');
    is($s->handle_timeout(NOW + 59_999), 0, 'not yet at deadline - 1 ms');
    ok(!$s->is_finished, 'still open');
    is($s->handle_timeout(NOW + 60_000), 1, 'closed at the deadline');
    is($s->output_length, 0, 'without a response (EPP has no unsolicited messages)');
    my $end = $s->poll_queue;
    is($end->close_reason, EPP_CLOSE_REASON_LOGIN_DEADLINE, 'session_end: login_deadline');
    is($s->next_timeout, undef, 'no timer once ended');
    ok($s->is_finished, 'finished');
    is($s->handle_timeout(NOW + 120_000), 0, 'handle_timeout on an ended session closes nothing');
}
{
    # No timer while the host holds a login; the idle timeout after login.
    my $s = greet($config);
    my $r = feed_all($s, login_xml(), NOW + 1000);
    is($s->next_timeout, undef, 'no timer while the host holds a request');
    $r->answer_login('accepted');
    $s->drain_output;
    is($s->next_timeout, NOW + 1000 + 600_000, 'the idle timeout runs from the last frame');
    my $p = feed_all($s, poll_req_xml('IDLE-1'), NOW + 5000);
    is($s->next_timeout, undef, 'no timer while a poll is with the host');
    $p->answer_poll_empty;
    is($s->next_timeout, NOW + 5000 + 600_000, 'the idle timer restarts at the last frame');
    is($s->handle_timeout(NOW + 5000 + 599_999), 0, 'not idle yet');
    is($s->handle_timeout(NOW + 5000 + 600_000), 1, 'idle timeout');
    my @f = unframe($s->drain_output);
    is(scalar(@f), 1, 'the pending 1300 is still written');
    is($s->poll_queue->close_reason_name, 'idle_timeout', 'session_end: idle_timeout');
    ok($s->is_finished, 'finished');
}

# ---------------------------------------------------------------------
# The session's clock: no time passed anywhere.
# ---------------------------------------------------------------------
{
    my $t = NOW;
    my $s = LibEPP::Session->new(server => test_server($config), clock => sub { $t });
    my ($g) = unframe($s->drain_output);
    like($g, qr{<svDate>2027-01-15T08:00:00}, 'the clock gives the greeting time');
    is($s->next_timeout, NOW + 60_000, 'and the deadline');
    $t += 30_000;
    $s->feed_input(frame(login_xml(cltrid => 'CLK-1')));
    my $r = $s->poll_queue;
    $r->answer_login('accepted');
    $s->drain_output;
    my $tr = $s->poll_transaction;
    is($tr->received_at, NOW + 30_000, 'input without a time uses the clock');
    is($s->next_timeout, NOW + 30_000 + 600_000, 'the idle timer too');
    $t += 600_000;
    is($s->handle_timeout, 1, 'handle_timeout without a time uses the clock');
    isa_ok(error_of(sub { $s->feed_input(frame(hello_xml()), NOW + 1) }), 'LibEPP::Error::SessionClosed',
           'an explicit time is accepted (closed: nothing taken)');
}
{
    # The default clock is the wall clock.
    my $server = LibEPP::Server->new(config => $config);
    my $before = now_ms();
    my $s = LibEPP::Session->new(server => $server);
    my $after = now_ms();
    my $at = $s->next_timeout;
    ok($at >= $before + 60_000 && $at <= $after + 60_000, 'without now or clock the wall clock is used');
    like(error_of(sub { LibEPP::Session->new(server => $server, clock => 5) }), qr/clock must be a code reference/,
         'clock must be code');
    like(error_of(sub { LibEPP::Session->new(server => {}) }), qr/server must be a LibEPP::Server/,
         'server must be a LibEPP::Server');
    like(error_of(sub { LibEPP::Session->new(config => $config) }),
         qr/sessions are made from a server, not a config: .*LibEPP::Server->new/, 'a config is refused, helpfully');
    like(error_of(sub { LibEPP::Session->new($config) }), qr/not a config/, '... also positionally');
    like(error_of(sub { LibEPP::Session->new(server => $server, bogus => 1) }), qr/unknown option 'bogus'/,
         'unknown option');
    for my $gone (qw(max_buffered)) {
        like(error_of(sub { LibEPP::Session->new(server => $server, $gone => 1000) }), qr/unknown option '$gone'/,
             "$gone is gone: the session holds input itself");
    }
    isa_ok(LibEPP::Session->new($server), 'LibEPP::Session', 'new($server)');
    isa_ok($server->new_session(now => NOW), 'LibEPP::Session', '$server->new_session');
}

sub error_of { my ($code) = @_; return eval { $code->(); 1 } ? undef : $@ }

# ---------------------------------------------------------------------
# The transaction log.
# ---------------------------------------------------------------------
{
    my $s = greet($config);
    is($s->poll_transaction, undef, 'the connection greeting is no transaction');
    feed_all($s, login_xml(clid => 'registrar9', cltrid => 'TX-1'), NOW + 10)->answer_login('accepted');
    $s->feed_input(frame(hello_xml()), NOW + 15);
    feed_all($s, poll_req_xml('TX-2'), NOW + 20)->answer_poll_empty;
    $s->feed_input(frame('<epp/>'), NOW + 30);
    $s->drain_output;
    my @t;
    while (my $t = $s->poll_transaction) { push @t, $t }
    is_deeply([map { [$_->command, $_->result_code, $_->client_id, $_->client_transaction_id, $_->received_at] } @t],
              [['login', 1000, 'registrar9', 'TX-1', NOW + 10],
               ['hello', 0, 'registrar9', undef, NOW + 15],
               ['poll req', 1300, 'registrar9', 'TX-2', NOW + 20],
               ['invalid', 2001, 'registrar9', undef, NOW + 30]],
              'command, code, clID, clTRID, received_at') or diag(explain([map { +{%$_} } @t]));
    like($_->server_transaction_id, qr/^PT-1-\d+$/, 'svTRID ' . $_->server_transaction_id)
        for grep { $_->command ne 'hello' } @t;
    is($t[1]->server_transaction_id, undef, 'a greeting has no svTRID');
    is(greet(test_config())->poll_transaction, undef, 'no log unless the config keeps one');
}

done_testing;
