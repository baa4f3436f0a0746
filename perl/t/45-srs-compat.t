use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use IO::Handle;
use Socket qw(AF_UNIX SOCK_STREAM PF_UNSPEC);

use LibEPP::Session;
use TestEPP;

# The helpers with SRS::EPP::Session's method names, on a socket pair and
# on an object with read/write methods like SRS::EPP::Proxy's
# Net::SSLeay::OO::SSL.

$SIG{PIPE} = 'IGNORE';
alarm(60);
my $epp = test_server();

sub pair {
    socketpair(my $server, my $client, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
    $_->blocking(0) for $server, $client;
    return ($server, $client);
}

# Everything the client end can read now.
sub client_read {
    my ($client) = @_;
    my $all = '';
    while (1) {
        my $n = sysread($client, my $buf, 65536);
        last if !$n;
        $all .= $buf;
    }
    return $all;
}

# ---------------------------------------------------------------------
# Answers given at once by the handler (SRS's process_queue + be_response
# folded together).
# ---------------------------------------------------------------------
{
    my ($server, $client) = pair();
    my @seen;
    my $s = LibEPP::Session->new(
        server => $epp, io => $server, now => NOW, clock => sub { NOW },
        on_request => sub {
            my ($session, $req) = @_;
            push @seen, $req->kind_name;
            if ($req->is_login) {
                $req->answer_login($req->password eq 'secret-pw1' ? 'accepted' : 'bad_credentials');
            } elsif ($req->is_poll) {
                $req->answer_poll_empty;
            } elsif ($req->is_command) {
                $req->answer_command(2101);
            }
        },
    );
    is($s->io, $server, 'io');
    is($s->connected, 0, 'connected() writes the greeting: nothing left pending');
    my ($g) = unframe(client_read($client));
    ok(is_greeting($g), 'the client reads the greeting');
    is($s->state, 'Waiting for Client Authentication', 'state');

    is($s->input_event, 0, 'input_event with nothing to read is false');
    my $login = frame(login_xml(cltrid => 'SRS-0001'));
    syswrite($client, substr($login, 0, 50));
    is($s->input_event, 0, 'input_event with a partial frame is false');
    is_deeply(\@seen, [], 'no request yet');
    syswrite($client, substr($login, 50) . frame(poll_req_xml('SRS-0002')));
    is($s->input_event, 1, 'input_event completing frames is true');
    is_deeply(\@seen, [qw(login poll)], 'the handler saw the login, then the poll held back behind it');
    my @f = unframe(client_read($client));
    is_deeply([map { result_code($_) } @f], [1000, 1300], 'both responses were written');
    is($s->user, 'registrar1', 'user');
    is($s->state, 'Waiting for Command', 'state');

    # input_packet: a complete message without its header.
    ok($s->input_packet(hello_xml()) > 0, 'input_packet takes the XML');
    ok(is_greeting((unframe(client_read($client)))[0]), 'hello answered through input_packet');
    $s->input_packet(command_xml('info', '<domain:info xmlns:domain="' . DOMAIN_NS
                                 . '"><domain:name>x.nz</domain:name></domain:info>', cltrid => "SRS-\x{e9}\x{263a}"));
    my ($rs) = unframe(client_read($client));
    is(result_code($rs), 2101, 'a command through input_packet');
    my $want = "<clTRID>SRS-\x{e9}\x{263a}</clTRID>";
    utf8::encode($want);
    like($rs, qr/\Q$want\E/, 'character data given to input_packet is sent as UTF-8');
    is($s->send_pending_replies, 0, 'send_pending_replies: nothing pending');

    # The end of file.
    close($client);
    is($s->input_event, 0, 'input_event at the end of file is false');
    ok($s->eof_seen, 'eof_seen');
    is($seen[-1], 'session_end', 'the handler saw the session end');
    ok($s->is_finished, 'finished');
    is($s->input_event, 0, 'input_event after the end of file reads nothing');
}

# ---------------------------------------------------------------------
# A back end that answers later (SRS's be_response), and a limited
# process_queue count.
# ---------------------------------------------------------------------
{
    my ($server, $client) = pair();
    my @queue;
    my $s = LibEPP::Session->new(server => $epp, io => $server, now => NOW, clock => sub { NOW },
                                 on_request => sub { push @queue, $_[1] });
    $s->connected;
    client_read($client);
    syswrite($client, frame(login_xml(cltrid => 'LATE-0001')) . frame(poll_req_xml('LATE-0002'))
                    . frame(poll_req_xml('LATE-0003')));
    ok($s->input_event, 'input_event');
    is(scalar @queue, 1, 'only the login was dispatched: the rest is held back behind it');
    is($s->state, 'Processing <login>', 'state');
    (shift @queue)->answer_login('accepted');
    is($s->send_pending_replies, 0, 'send_pending_replies writes the login response');
    is(result_code((unframe(client_read($client)))[0]), 1000, 'the client has it');
    is($s->process_queue(1), 2, 'process_queue(1) dispatches one poll; two outstanding (one still queued)');
    is(scalar @queue, 1, 'one in the back-end queue');
    is($s->process_queue, 2, 'process_queue() dispatches the rest; two outstanding');
    is(scalar @queue, 2, 'two in the back-end queue');
    is($s->state, 'Processing Command', 'state');
    $queue[1]->answer_poll_empty;
    is($s->output_length, 0, 'the second answer waits for the first');
    $queue[0]->answer_poll_empty;
    ok($s->output_length > 0, 'then both are pending');
    my $n = $s->output_event;
    ok($n > 0, "output_event wrote $n bytes");
    my @f = unframe(client_read($client));
    is_deeply([map { cltrid_of($_) } @f], [qw(LATE-0002 LATE-0003)], 'in command order');
    is($s->process_queue, 0, 'process_queue: nothing left');
}

# ---------------------------------------------------------------------
# An io object with read/write methods, writing 10 bytes at a time.
# ---------------------------------------------------------------------
{
    package FakeSSL;
    sub new { bless { in => [], out => '', max => 10 }, shift }
    sub read { my ($self) = @_; return @{$self->{in}} ? shift @{$self->{in}} : '' }
    sub write {
        my ($self, $data) = @_;
        my $n = length($data) < $self->{max} ? length($data) : $self->{max};
        $self->{out} .= substr($data, 0, $n);
        return $n;
    }
    package main;

    my $io = FakeSSL->new;
    my $s = LibEPP::Session->new(server => $epp, io => $io, now => NOW,
                                 on_request => sub { $_[1]->answer_login('accepted') if $_[1]->is_login });
    my $pending = $s->output_length;
    is($s->connected, $pending - 10, 'connected: a 10-byte write leaves the rest pending');
    my $written = 0;
    while ($s->output_length) {
        my $n = $s->output_event;
        last if !$n;
        $written += $n;
    }
    is($written, $pending - 10, 'output_event returns the bytes written');
    ok(is_greeting((unframe($io->{out}))[0]), 'the greeting went through read/write');
    push @{$io->{in}}, frame(login_xml(cltrid => 'FAKE-0001'));
    ok($s->input_event(NOW), 'input_event reads with ->read');
    1 while $s->output_event;
    my @f = unframe($io->{out});
    is(result_code($f[1]), 1000, 'login answered');
}

# A write error closes the session.
{
    my ($server, $client) = pair();
    my $s = LibEPP::Session->new(server => $epp, io => $server, now => NOW);
    close($client);
    $s->connected;
    like($s->io_error, qr/^write: /, 'io_error: ' . ($s->io_error // ''));
    ok($s->is_finished, 'the session is finished');
    is($s->close_reason_name, 'host', 'closed by the host');
}

# Without io or on_request the helpers say what is missing.
{
    my $s = LibEPP::Session->new(server => $epp, now => NOW);
    ok($s->connected > 0, 'connected() without io: the greeting stays pending');
    like((eval { $s->input_event; 1 } ? '' : $@), qr/no io was given/, 'input_event needs io');
    like((eval { $s->process_queue; 1 } ? '' : $@), qr/no on_request handler/, 'process_queue needs on_request');
    is($s->output_event, 0, 'output_event without io writes nothing');
}

done_testing;
