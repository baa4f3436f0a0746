package LibEPP::Session;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use Errno ();
use Scalar::Util qw(blessed);
use FFI::Platypus::Buffer qw(scalar_to_buffer buffer_to_scalar);
use LibEPP qw(:result :state :login :misc);
use LibEPP::Server;
use LibEPP::Request;
use LibEPP::Response;
use LibEPP::PollMessage;
use LibEPP::SecurityEvent;
use LibEPP::Transaction;

my %LOGIN_ANSWER = (
    accepted               => EPP_LOGIN_ANSWER_ACCEPTED,
    bad_credentials        => EPP_LOGIN_ANSWER_BAD_CREDENTIALS,
    account_disabled       => EPP_LOGIN_ANSWER_ACCOUNT_DISABLED,
    session_limit_exceeded => EPP_LOGIN_ANSWER_SESSION_LIMIT_EXCEEDED,
    failed                 => EPP_LOGIN_ANSWER_FAILED,
);

# The state strings of SRS::EPP::Session (after RFC 3730's state chart).
my %SRS_STATE = (
    EPP_SESSION_STATE_AWAITING_LOGIN() => 'Waiting for Client Authentication',
    EPP_SESSION_STATE_LOGIN_PENDING()  => 'Processing <login>',
    EPP_SESSION_STATE_CLOSING()        => 'Shutting down',
    EPP_SESSION_STATE_CLOSED()         => 'End',
);

my %KNOWN = map { $_ => 1 } qw(server now clock io on_request read_size);

sub new {
    my $class = shift;
    my %a = @_ == 1 ? (server => $_[0]) : @_;
    for my $k (sort keys %a) {
        croak "LibEPP::Session->new: sessions are made from a server, not a config: "
            . "LibEPP::Session->new(server => LibEPP::Server->new(config => \$config)), once per server"
            if $k eq 'config' || (blessed($a{$k}) && $a{$k}->isa('LibEPP::Config'));
        croak "LibEPP::Session->new: unknown option '$k'" if !$KNOWN{$k};
    }
    croak "LibEPP::Session->new: server must be a LibEPP::Server"
        if !blessed($a{server}) || !$a{server}->isa('LibEPP::Server');
    croak "LibEPP::Session->new: clock must be a code reference"
        if defined $a{clock} && ref $a{clock} ne 'CODE';
    croak "LibEPP::Session->new: on_request must be a code reference"
        if defined $a{on_request} && ref $a{on_request} ne 'CODE';
    croak "LibEPP::Session->new: read_size must be a positive integer"
        if defined $a{read_size} && ($a{read_size} !~ /^\d+\z/ || !$a{read_size});
    my $self = bless {
        server     => $a{server},
        clock      => $a{clock},
        io         => $a{io},
        on_request => $a{on_request},
        read_size  => $a{read_size} || 65536,
        eof        => 0,
    }, $class;
    my $h;
    LibEPP::_check(LibEPP::FFI::epp_session_new($a{server}->_handle, $self->_now($a{now}), \$h),
                   'epp_session_new');
    $self->{h} = $h;
    return $self;
}

sub server { $_[0]{server} }
sub config { $_[0]{server}->config }

sub _now {
    my ($self, $now) = @_;
    return $now if defined $now;
    return $self->{clock} ? $self->{clock}->() : LibEPP::now_ms();
}

# Throws for a failed call given this session, with the session's detail
# for the failures libepp records (session errors and panics; argument
# errors are not recorded, so an older text would be misleading there).
sub _check {
    my ($self, $rc, $fn) = @_;
    return if !$rc;
    my $detail = ($rc >= 200 || $rc == EPP_RESULT_PANIC) ? $self->last_error : undef;
    LibEPP::_check($rc, $fn, $detail);
}

sub _call {
    my ($self, $fn, @args) = @_;
    no strict 'refs';
    my $rc = &{"LibEPP::FFI::$fn"}($self->{h}, @args);
    $self->_check($rc, $fn) if $rc;
    return;
}

sub _get {
    my ($self, $fn, @args) = @_;
    my $v = 0;
    no strict 'refs';
    my $rc = &{"LibEPP::FFI::$fn"}($self->{h}, @args, \$v);
    $self->_check($rc, $fn) if $rc;
    return $v;
}

sub _string {
    my ($self, $fn) = @_;
    my ($p, $n);
    no strict 'refs';
    my $rc = &{"LibEPP::FFI::$fn"}($self->{h}, \$p, \$n);
    $self->_check($rc, $fn) if $rc;
    return LibEPP::_out($p, $n);
}

# ---------------------------------------------------------------------
# feed-input: the session takes every byte and holds what it cannot
# handle yet; the host reads only while it wants input.
# ---------------------------------------------------------------------

my $EMPTY = "\0";    # a valid pointer for a feed of 0 bytes

sub feed_input {
    my ($self, undef, $now) = @_;
    croak "LibEPP::Session->feed_input: bytes are required" if !defined $_[1];
    my $bytes = \$_[1];    # not copied: reads may be large
    if (utf8::is_utf8($$bytes)) {
        my $copy = $$bytes;
        utf8::downgrade($copy, 1)
            or croak "LibEPP::Session->feed_input: the data has wide characters; pass a byte string "
                   . "(encode text with Encode::encode_utf8)";
        $bytes = \$copy;
    }
    my $len = length $$bytes;
    my ($ptr) = $len ? scalar_to_buffer($$bytes) : scalar_to_buffer($EMPTY);
    my $rc = LibEPP::FFI::epp_session_feed_input($self->{h}, $ptr, $len, $self->_now($now));
    $self->_check($rc, 'epp_session_feed_input') if $rc;
    return;
}

sub wants_input    { $_[0]->_get('epp_session_wants_input') ? 1 : 0 }
sub buffered_input { $_[0]->_get('epp_session_get_buffered_input') }

# ---------------------------------------------------------------------
# take-output
# ---------------------------------------------------------------------

sub _output {
    my ($self) = @_;
    my ($p, $n) = (undef, 0);
    my $rc = LibEPP::FFI::epp_session_take_output($self->{h}, \$p, \$n);
    $self->_check($rc, 'epp_session_take_output') if $rc;
    return ($p, $n);
}

sub take_output {
    my ($self) = @_;
    my ($p, $n) = $self->_output;
    return '' if !$n;
    return buffer_to_scalar($p, $n);
}

sub output_length {
    my ($self) = @_;
    my (undef, $n) = $self->_output;
    return $n;
}

sub consume_output {
    my ($self, $n) = @_;
    croak "LibEPP::Session->consume_output: a byte count is required"
        if !defined $n || $n !~ /^\d+\z/;
    $self->_call('epp_session_consume_output', $n);
    return;
}

sub drain_output {
    my ($self) = @_;
    my $out = $self->take_output;
    $self->consume_output(length $out) if length $out;
    return $out;
}

# ---------------------------------------------------------------------
# poll-queue
# ---------------------------------------------------------------------

sub poll_queue {
    my ($self) = @_;
    my $r;
    my $rc = LibEPP::FFI::epp_session_poll_queue($self->{h}, \$r);
    $self->_check($rc, 'epp_session_poll_queue') if $rc;
    return undef if !$r;
    return LibEPP::Request->_new($r, $self);
}

sub poll_requests {
    my ($self, $max) = @_;
    my @r;
    while (!defined $max || @r < $max) {
        my $req = $self->poll_queue or last;
        push @r, $req;
    }
    return @r;
}

sub poll_transaction {
    my ($self) = @_;
    my $t;
    my $rc = LibEPP::FFI::epp_session_poll_transaction($self->{h}, \$t);
    $self->_check($rc, 'epp_session_poll_transaction') if $rc;
    return undef if !$t;
    return LibEPP::Transaction->_new($t);
}

# ---------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------

sub _id {
    my ($what, $id) = @_;
    croak "LibEPP::Session->$what: a request id is required" if !defined $id;
    $id = $id->id if blessed($id) && $id->isa('LibEPP::Request');
    croak "LibEPP::Session->$what: a session_end request takes no answer" if !defined $id;
    croak "LibEPP::Session->$what: request id '$id' is not a number" if $id !~ /^\d+$/;
    return $id;
}

sub answer_login {
    my ($self, $id, $answer, @events) = @_;
    $id = _id('answer_login', $id);
    croak "LibEPP::Session->answer_login: an answer is required" if !defined $answer;
    my $value = $answer =~ /^\d+$/ ? $answer : $LOGIN_ANSWER{$answer};
    croak "LibEPP::Session->answer_login: unknown answer '$answer' (one of: "
        . join(', ', sort keys %LOGIN_ANSWER) . ")" if !defined $value;
    return $self->_get('epp_session_answer_login', $id, $value) if !@events;
    # The event objects live until the call returns: libepp only reads them.
    my @objects = map {
        blessed($_) && $_->isa('LibEPP::SecurityEvent') ? $_
            : ref $_ eq 'HASH' ? LibEPP::SecurityEvent->new(%$_)
            : croak "LibEPP::Session->answer_login: an event must be a LibEPP::SecurityEvent or a hash reference"
    } @events;
    return $self->_get('epp_session_answer_login_with_events', $id, $value,
                       [map { $_->_handle } @objects], scalar @objects);
}

sub answer_poll_empty {
    my ($self, $id) = @_;
    $self->_call('epp_session_answer_poll_empty', _id('answer_poll_empty', $id));
    return;
}

sub answer_poll_message {
    my ($self, $id, @msg) = @_;
    $id = _id('answer_poll_message', $id);
    @msg = %{$msg[0]} if @msg == 1 && ref $msg[0] eq 'HASH';
    my $m = (@msg == 1 && blessed($msg[0]) && $msg[0]->isa('LibEPP::PollMessage'))
        ? $msg[0] : LibEPP::PollMessage->new(@msg);
    $self->_call('epp_session_answer_poll_message', $id, $m->_handle);
    return;
}

sub answer_ack {
    my ($self, $id, $remaining) = @_;
    $id = _id('answer_ack', $id);
    croak "LibEPP::Session->answer_ack: the number of remaining messages is required"
        if !defined $remaining || $remaining !~ /^\d+$/;
    $self->_call('epp_session_answer_ack', $id, $remaining);
    return;
}

sub answer_ack_unknown {
    my ($self, $id) = @_;
    $self->_call('epp_session_answer_ack_unknown', _id('answer_ack_unknown', $id));
    return;
}

sub answer_command {
    my ($self, $id, $response, %opts) = @_;
    $id = _id('answer_command', $id);
    croak "LibEPP::Session->answer_command: a LibEPP::Response or a result code is required"
        if !defined $response;
    if (!blessed($response)) {
        $response = LibEPP::Response->new($response, %opts);
    } elsif (!$response->isa('LibEPP::Response')) {
        croak "LibEPP::Session->answer_command: " . ref($response) . " is not a LibEPP::Response";
    }
    $self->_call('epp_session_answer_command', $id, $response->_handle);
    return;
}

sub answer_code {
    my ($self, $id, $code) = @_;
    $id = _id('answer_code', $id);
    croak "LibEPP::Session->answer_code: a result code is required"
        if !defined $code || $code !~ /^\d+$/ || $code > 0xFFFF;
    $self->_call('epp_session_answer_code', $id, $code);
    return;
}

sub answer_login_verdict {
    my ($self, $id, $accepted) = @_;
    $id = _id('answer_login_verdict', $id);
    return $self->_get('epp_session_answer_login_verdict', $id, $accepted ? 1 : 0) ? 1 : 0;
}

sub answer_failure {
    my ($self, $id, $text) = @_;
    $self->_call('epp_session_answer_failure', _id('answer_failure', $id), LibEPP::_in($text));
    return;
}

# ---------------------------------------------------------------------
# End, time, state
# ---------------------------------------------------------------------

sub handle_eof {
    my ($self, $now) = @_;
    $self->{eof} = 1;
    $self->_call('epp_session_handle_eof', $self->_now($now));
    return;
}

sub close {
    my ($self) = @_;
    $self->_call('epp_session_close');
    return;
}

sub next_timeout {
    my ($self) = @_;
    my $at = $self->_get('epp_session_get_next_timeout');
    return $at == EPP_TIMEOUT_NONE ? undef : $at;
}

sub handle_timeout {
    my ($self, $now) = @_;
    return $self->_get('epp_session_handle_timeout', $self->_now($now)) ? 1 : 0;
}

sub state_code  { $_[0]->_get('epp_session_get_state') }
sub state_name  { $LibEPP::STATE_NAME{$_[0]->state_code} }
sub is_finished { $_[0]->_get('epp_session_is_finished') ? 1 : 0 }
sub outstanding { $_[0]->_get('epp_session_get_outstanding') }
sub client_id   { $_[0]->_string('epp_session_get_client_id') }

sub close_reason      { $_[0]->_get('epp_session_get_close_reason') }
sub close_reason_name { $LibEPP::CLOSE_REASON_NAME{$_[0]->close_reason} }
sub close_reason_text { $_[0]->_string('epp_session_get_close_reason_text') }

sub close_detail {
    my ($self, $which) = @_;
    croak "LibEPP::Session->close_detail: which detail (EPP_CLOSE_DETAIL_*)?" if !defined $which;
    my $v = 0;
    my $rc = LibEPP::FFI::epp_session_get_close_detail($self->{h}, $which, \$v);
    return undef if $rc == EPP_RESULT_NOT_APPLICABLE;
    $self->_check($rc, 'epp_session_get_close_detail') if $rc;
    return $v;
}

sub last_error {
    my ($self) = @_;
    my ($p, $n);
    return undef if LibEPP::FFI::epp_session_get_last_error($self->{h}, \$p, \$n) != 0;
    return LibEPP::_out($p, $n);
}

# ---------------------------------------------------------------------
# SRS::EPP::Session's method names
# ---------------------------------------------------------------------

sub state {
    my ($self) = @_;
    my $st = $self->state_code;
    return $SRS_STATE{$st} if exists $SRS_STATE{$st};
    return $self->outstanding ? 'Processing Command' : 'Waiting for Command';
}

sub user { $_[0]->client_id }

sub io { $_[0]{io} }

sub eof_seen { $_[0]{eof} }

sub io_error { $_[0]{io_error} }

sub connected {
    my ($self) = @_;
    $self->output_event if $self->{io};
    return $self->output_length;
}

sub _io_read {
    my ($self, $size) = @_;
    my $io = $self->{io} or croak "LibEPP::Session: no io was given to new()";
    if (blessed($io) && !$io->can('sysread') && $io->can('read')) {
        return $io->read($size);    # Net::SSLeay::OO::SSL style: returns the data
    }
    my $buf = '';
    my $n = blessed($io) ? $io->sysread($buf, $size) : sysread($io, $buf, $size);
    return defined $n ? $buf : undef;
}

sub _io_write {
    my ($self, $data) = @_;
    my $io = $self->{io};
    if (blessed($io) && !$io->can('syswrite') && $io->can('write')) {
        return $io->write($data);
    }
    return blessed($io) ? $io->syswrite($data) : syswrite($io, $data);
}

sub _would_block { $!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR} }

# read -> feed -> poll -> answer -> write, once.
sub input_event {
    my ($self, $now) = @_;
    $self->{io} or croak "LibEPP::Session: no io was given to new()";
    $now = $self->_now($now);
    my $queued_before = $self->outstanding;
    my $out_before = $self->output_length;
    my $eof;
    if ($self->wants_input) {
        local $!;
        my $data = $self->_io_read($self->{read_size});
        if (!defined $data) {
            return 0 if _would_block();
            $self->{io_error} = "read: $!";
            $data = '';    # a broken connection ends the session like an end of file
        }
        if ($data eq '') {
            # Takes effect after everything fed before: commands already
            # read are still answered.
            $self->handle_eof($now);
            $eof = 1;
        } else {
            $self->feed_input($data, $now);
        }
    }
    # A session that wants no input reads nothing: the client's bytes wait
    # in the socket (TCP holds it back). Dispatching and writing make room.
    my $framed = $self->outstanding > $queued_before || $self->output_length > $out_before;
    my $dispatched = $self->{on_request} ? $self->_dispatch(undef) : 0;
    $self->output_event;
    return (!$eof && ($framed || $dispatched)) ? 1 : 0;
}

sub input_packet {
    my ($self, $data, $now) = @_;
    croak "LibEPP::Session->input_packet: a packet is required" if !defined $data;
    utf8::encode($data) if utf8::is_utf8($data);
    my $bytes = pack('N', length($data) + 4) . $data;
    $self->feed_input($bytes, $now);
    $self->_dispatch(undef) if $self->{on_request};
    $self->output_event if $self->{io};
    return length $bytes;
}

sub _dispatch {
    my ($self, $count) = @_;
    my $handler = $self->{on_request}
        or croak "LibEPP::Session->process_queue: no on_request handler was given to new()";
    my $n = 0;
    while (!defined $count || $n < $count) {
        # Answers let held input through: its requests come next.
        my $req = $self->poll_queue or last;
        $n++;
        $handler->($self, $req);
    }
    return $n;
}

sub process_queue {
    my ($self, $count) = @_;
    $self->_dispatch($count);
    return $self->outstanding;
}

sub send_pending_replies {
    my ($self) = @_;
    $self->output_event if $self->{io};
    return $self->output_length;
}

sub output_event {
    my ($self) = @_;
    return 0 if !$self->{io} || $self->{io_error};
    my $written = 0;
    local $!;
    while (1) {
        my ($p, $n) = $self->_output;
        last if !$n;
        my $w = $self->_io_write(buffer_to_scalar($p, $n));
        if (!defined $w || $w < 0) {
            last if _would_block();
            $self->{io_error} = "write: $!";
            $self->close;    # nothing more can be written
            last;
        }
        last if $w == 0;
        $self->consume_output($w);
        $written += $w;
        last if $w < $n;
    }
    return $written;
}

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_session_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::Session - one EPP session on one connection, without I/O

=head1 SYNOPSIS

  use LibEPP::Server;
  use LibEPP::Session;

  my $server  = LibEPP::Server->new(config => $config);     # once per server
  my $session = LibEPP::Session->new(server => $server);    # per connection: greeting queued

  # The loop: read -> feed -> poll -> answer -> write, plus the timer.
  # Watch the socket for reading only while the session wants input:
  if ($session->wants_input) {                              # and the socket is readable
      my $n = sysread($sock, my $buf, 65536);
      $n ? $session->feed_input($buf) : $session->handle_eof;   # it takes every byte
  }
  while (my $req = $session->poll_queue) { decide($req) }   # answer_* each
  my $out = $session->take_output;                          # bytes, headers included
  if (length $out) {
      my $w = syswrite($sock, $out);
      $session->consume_output($w) if $w;                   # may let held input through:
  }                                                         # poll the queue again
  my $at = $session->next_timeout;                          # ms, or undef
  $session->handle_timeout if defined $at && LibEPP::now_ms() >= $at;
  if ($session->is_finished) {                             # half-close, drain briefly, close
      shutdown($sock, 1);                                   # (see is_finished)
      ...
  }

  # Or SRS::EPP::Session's shape, with the socket given to the session:
  my $s = LibEPP::Session->new(server => $server, io => $sock,
                               on_request => sub { my ($session, $req) = @_; ... });
  $s->connected;        # writes the greeting
  $s->input_event;      # socket readable (watched while wants_input): read, feed, dispatch, write
  $s->output_event;     # socket writable
  $s->process_queue;    # dispatch what written output let through
  print $s->state, " ", $s->user // '-', "\n";

=head1 DESCRIPTION

A session is libepp's protocol engine for one connection: it takes the
bytes the client sent, holds what it cannot handle yet, writes the bytes
to send back, answers hello, logout and every protocol error itself, and
queues what the host must decide (logins, poll requests and acks, object
commands, the session's end) as L<LibEPP::Request> objects. It does no
I/O: the host owns the socket and the event loop, and keeps no input
buffer of its own. The methods are the C API's, one to one, plus helpers
with SRS::EPP::Session's names (L</"SRS::EPP::Session COMPATIBILITY">).

Times are Unix milliseconds: each method that takes one has an optional
C<$now_ms> last argument, defaulting to the session's clock.

Every libepp failure throws a L<LibEPP::Error>.

=head1 CONSTRUCTOR

=head2 LibEPP::Session->new(%args)

=head2 LibEPP::Session->new($server)

Makes a session of a server for a new connection (C<epp_session_new>);
the greeting is queued at once. Arguments:

=over

=item server (required)

The L<LibEPP::Server> (made once, from the L<LibEPP::Config>). A config
given instead croaks: the server is what sessions share (svTRIDs, the
registrar counter).

=item now

The connection time in ms (default: the clock).

=item clock

A code reference returning the time in ms, used wherever a C<$now_ms>
argument is omitted (default L<LibEPP/now_ms>). Tests use it to script
time.

=item io

The client's socket, for the SRS-style helpers C<connected>,
C<input_event>, C<output_event>, C<send_pending_replies>. A file handle
or IO::Handle object (read with C<sysread>, written with C<syswrite>;
IO::Socket::SSL works), or an object with C<read($n)> returning data and
C<write($data)> returning the count written, like SRS::EPP::Proxy's
Net::SSLeay::OO::SSL. Put it in non-blocking mode. The session never
closes it.

=item on_request

A code reference C<< sub { my ($session, $request) = @_; ... } >> that
C<process_queue> (and the SRS-style helpers) call for every request
taken from the queue. It may answer at once or keep the request and
answer later (see L<LibEPP::Request>).

=item read_size

Bytes read per C<input_event> at most (default 65536).

=back

=head2 server, config

The L<LibEPP::Server> the session belongs to, and its L<LibEPP::Config>.

=head1 METHODS

=head2 Input

The session owns the input: it takes every byte fed, handles whole
frames at once while it can, and holds the rest (an unfinished frame, or
frames behind backpressure: a login with the host, C<max_in_flight>
unanswered requests, C<max_pending_output> bytes of output waiting) until
answers and consumed output make room, which happens inside those calls:
poll the queue after answering and after C<consume_output>.

=over

=item wants_input

True when the host should read from the peer now
(C<epp_session_wants_input>). False while the session cannot make
progress on what it holds, after C<handle_eof>, and once it is closing.
Watch the socket for reading only while it is true: a client that
pipelines without reading its responses is then held back by TCP, not by
the server's memory. Ask again after every call that changes the session.

=item feed_input($bytes, [$now_ms])

Hands the session a byte string read from the peer
(C<epp_session_feed_input>); it takes all of it (returns nothing). A feed
made while C<wants_input> is true is taken whatever its size. Throws,
taking nothing: C<EPP_RESULT_SESSION_CLOSED> (L<LibEPP::Error::SessionClosed>)
once the session processes no more input (stop reading; write what is
left); C<EPP_RESULT_INPUT_AFTER_EOF> after C<handle_eof>;
C<EPP_RESULT_INPUT_BUFFER_FULL> when fed, while it wants no input, more
than the C<max_buffered_input> limit lets it hold. A string with
characters above 255 croaks: wire data is bytes.

=item buffered_input

How many bytes fed the session holds and has not handled yet
(C<epp_session_get_buffered_input>).

=item handle_eof([$now_ms])

The peer closed its sending side: call it as soon as a read returns 0
(C<epp_session_handle_eof>). It takes effect once every byte fed before
it has been handled, so commands already read are still answered (keep
answering and writing); an unfinished frame is dropped. A C<session_end>
request follows; write what is pending until C<is_finished>. Feeding
afterwards throws C<EPP_RESULT_INPUT_AFTER_EOF>.

=back

=head2 Output

=over

=item take_output

The bytes waiting to be sent, as a byte string (a copy, RFC 5734 length
headers included; C<''> when nothing is pending). They stay pending until
C<consume_output>.

=item consume_output($n)

Marks the first C<$n> pending bytes as written
(C<epp_session_consume_output>); input held while output waited may be
handled right then (poll the queue). Throws C<EPP_RESULT_INVALID_LENGTH>
when fewer are pending.

=item output_length

How many bytes are pending, without copying them.

=item drain_output

Takes and consumes every pending byte: returns them. For in-memory use
and tests.

=back

=head2 Requests

=over

=item poll_queue

The next request the host must decide, in command order, as a
L<LibEPP::Request> (blessed by kind), or C<undef> when the queue is
empty. Poll after every feed, every answer and every C<consume_output>.

=item poll_requests([$max])

Every queued request (at most C<$max>), as a list.

=item answer_login($id, $answer, @events)

=item answer_poll_empty($id)

=item answer_poll_message($id, $poll_message | %args | \%args)

=item answer_ack($id, $remaining)

=item answer_ack_unknown($id)

=item answer_command($id, $response | $code, %options)

=item answer_failure($id, [$text])

=item answer_code($id, $code)

=item answer_login_verdict($id, $accepted)

Answer the request with id C<$id> (or the L<LibEPP::Request> itself);
described in L<LibEPP::Request>, whose methods of the same names call
these. C<answer_login> returns the result code sent. An id the session
never issued throws C<EPP_RESULT_UNKNOWN_REQUEST>; a request already
answered C<EPP_RESULT_ALREADY_ANSWERED> (C<EPP_RESULT_SESSION_CLOSED>
once the session has ended).

C<answer_code> answers a command or extension with a response of that one
result code and its standard message (C<epp_session_answer_code>); a code
RFC 5730 does not define throws C<EPP_RESULT_INVALID_ARGUMENT> naming it.
C<answer_login_verdict> accepts (true) or refuses (false: bad credentials)
a login in one call (C<epp_session_answer_login_verdict>) and returns 1
when the client is now logged in.

=item outstanding

How many requests were handed out (or are queued) and not yet answered.

=item poll_transaction

The next record of the transaction log as a L<LibEPP::Transaction>, or
C<undef> (always, unless the config has C<transaction_log>).

=back

=head2 State and time

=over

=item state_code

The C<EPP_SESSION_STATE_*> value.

=item state_name

C<awaiting_login>, C<login_pending>, C<logged_in>, C<closing> or C<closed>.

=item is_finished

True when the connection should be closed now: the session has ended and
every byte it will write has been consumed.

Close gently: a socket closed while the client's bytes are still unread
(commands pipelined after a logout, say: the session reads nothing once it
ends) makes the kernel send an RST, and the client may lose responses
already written, the 1500 to the logout among them. Half-close first
(C<shutdown($sock, 1)>), then read and discard what still arrives for a
short while (the example server: up to 1 s or 256 KiB, or until the end of
file) before C<close>.

=item client_id

The logged-in client's clID, or C<undef>.

=item close_reason, close_reason_name, close_reason_text

Why the session ended or is ending (C<EPP_CLOSE_REASON_*>, its name, an
English text for logs); C<EPP_CLOSE_REASON_NONE>, C<'none'>, C<undef>
while it is open.

=item close_detail($which)

The number that comes with the close reason (C<EPP_CLOSE_DETAIL_*>), or
C<undef> when there is none.

=item close

Ends the session at the host's wish (C<epp_session_close>): nothing more
is written (output not yet consumed, the greeting included, is dropped:
C<take_output> returns C<''>), and C<is_finished> becomes true. A
C<session_end> request follows if the session was open.

=item next_timeout

When C<handle_timeout> should next be called (Unix ms), or C<undef> when
no timer runs. Ask again after every call that changes the session.

=item handle_timeout([$now_ms])

Closes the session (without a response) if the login deadline or idle
timeout has passed; returns whether it did. A C<session_end> request
follows.

=item last_error

libepp's text about the most recent failed call given this session, or
C<undef>. (Exceptions already carry it.)

=back

=head1 SRS::EPP::Session COMPATIBILITY

These helpers keep the names and the shape of SRS::EPP::Session's
methods, so an event loop written for it keeps working; C<perl/README.md>
maps every method. They need C<io> (and C<on_request> to dispatch
requests).

=over

=item connected

libepp queued the greeting when the session was made: this writes it to
C<io> (when given) and returns the bytes still pending.

=item input_event([$now_ms])

Call when C<io> is readable: reads once (at most C<read_size> bytes) if
the session wants input, feeds every byte read (the end of file goes to
C<handle_eof> at once), dispatches the requests to C<on_request>, and
writes what it can. While the session wants no input it reads nothing and
only dispatches and writes: watch C<io> for reading only while
C<wants_input> is true. Returns true if frames were completed or requests
dispatched, false otherwise (a partial frame, nothing to read, the end of
file), as SRS's did. A read error is treated as an end of file and kept in
C<io_error>.

=item input_packet($xml, [$now_ms])

Feeds one complete EPP message (the XML, without a length header) and
adds the 4-byte header. As in SRS::EPP::Session, a string without Perl's
UTF8 flag is taken as bytes (UTF-8 already); a string with it is encoded
to UTF-8 first. Dispatches to C<on_request> and writes to C<io> when
given. Returns the bytes fed (header included).

=item process_queue([$count])

Takes up to C<$count> requests (default: all) from the queue and calls
C<on_request> for each (answers let held input through: its requests are
dispatched in the same call). Returns the number of requests not yet
answered, handed out or still queued (C<outstanding>). Call it after
C<output_event> too: written output lets the session handle input it
held.

=item send_pending_replies

libepp queues responses in command order by itself: this writes pending
output to C<io> (when given) and returns the bytes still pending.

=item output_event

Call when C<io> is writable: writes what it can and returns the bytes
written. A write error closes the session (C<close>) and is kept in
C<io_error>. Ignore SIGPIPE in a server (C<$SIG{PIPE} = 'IGNORE'>).

=item state

The state as SRS::EPP::Session names it (after RFC 3730's chart):
C<Waiting for Client Authentication>, C<< Processing <login> >>,
C<Waiting for Command>, C<Processing Command> (logged in with requests
outstanding), C<Shutting down>, C<End>.

=item user

The logged-in clID (C<client_id>), or C<undef>.

=item io, io_error, eof_seen

The C<io> given to new, the text of the read or write error that ended it
(or C<undef>), and whether C<handle_eof> was called.

=back

=cut
