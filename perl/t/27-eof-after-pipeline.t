use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";
use IO::Handle;
use Socket qw(AF_UNIX SOCK_STREAM PF_UNSPEC);

use LibEPP::Session;
use TestEPP;

# A client pipelines a login and a poll, then closes its side before the
# back end has answered the login. The poll, held back while the login is
# with the host, must still be read and answered: the end of file reaches
# libepp only after everything sent before it.

$SIG{PIPE} = 'IGNORE';
alarm(60);
my $config = test_config();

socketpair(my $server, my $client, AF_UNIX, SOCK_STREAM, PF_UNSPEC) or die "socketpair: $!";
$_->blocking(0) for $server, $client;

my @queue;
my $s = LibEPP::Session->new(config => $config, io => $server, now => NOW, clock => sub { NOW },
                             on_request => sub { push @queue, $_[1] });
$s->connected;
sysread($client, my $greeting, 65536);

syswrite($client, frame(login_xml(cltrid => 'EOF-0001')) . frame(poll_req_xml('EOF-0002')));
shutdown($client, 1);    # the client's end of file, right after its commands

$s->input_event for 1 .. 3;    # reads the frames, then the end of file
ok($s->eof_seen, 'the end of file was read');
is(scalar(@queue), 1, 'only the login is with the host (the poll waits behind it)');
ok(!$s->is_finished, 'the session is not over while input is held back');

my $login = shift @queue;
$login->answer_login('accepted');
$s->process_queue;    # answers lift the backpressure: the poll is fed
is(scalar(@queue) && $queue[0]->kind_name, 'poll', 'the poll held back reached the host');
$_->answer_poll_empty for grep { $_->is_poll } @queue;
$s->process_queue;
$s->output_event;

my $all = '';
while (sysread($client, my $buf, 65536)) { $all .= $buf }
my @codes = map { result_code($_) } unframe($all);
is_deeply(\@codes, [1000, 1300], 'both commands sent before the end of file were answered');
ok($s->is_finished, 'then the session is finished');

done_testing;
