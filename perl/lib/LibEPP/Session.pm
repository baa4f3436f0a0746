package LibEPP::Session;

use strict;
use warnings;

our $VERSION = '0.1.0';

use Carp qw(croak);
use Errno ();
use Scalar::Util qw(blessed);
use FFI::Platypus::Buffer qw(scalar_to_buffer buffer_to_scalar);
use LibEPP qw(:result :state :login :misc);
use LibEPP::Config;
use LibEPP::Request;
use LibEPP::Response;
use LibEPP::PollMessage;
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

my %KNOWN = map { $_ => 1 } qw(config now clock io on_request read_size max_buffered);

# The default cap on input() and input_event()'s buffer: a frame of
# libepp's default max_frame_size fits.
use constant DEFAULT_MAX_BUFFERED => 262144;

sub new {
    my $class = shift;
    my %a = @_ == 1 ? (config => $_[0]) : @_;
    for my $k (sort keys %a) {
        croak "LibEPP::Session->new: unknown option '$k'" if !$KNOWN{$k};
    }
    croak "LibEPP::Session->new: config must be a LibEPP::Config"
        if !blessed($a{config}) || !$a{config}->isa('LibEPP::Config');
    croak "LibEPP::Session->new: clock must be a code reference"
        if defined $a{clock} && ref $a{clock} ne 'CODE';
    croak "LibEPP::Session->new: on_request must be a code reference"
        if defined $a{on_request} && ref $a{on_request} ne 'CODE';
    for my $k (qw(read_size max_buffered)) {
        croak "LibEPP::Session->new: $k must be a positive integer"
            if defined $a{$k} && ($a{$k} !~ /^\d+$/ || !$a{$k});
    }
    my $self = bless {
        in         => '',
        clock      => $a{clock},
        io         => $a{io},
        on_request => $a{on_request},
        read_size  => $a{read_size} || 65536,
        max_buffered => $a{max_buffered} || DEFAULT_MAX_BUFFERED,
        eof        => 0,
    }, $class;
    my $h;
    LibEPP::_check(LibEPP::FFI::epp_session_new($a{config}->_handle, $self->_now($a{now}), \$h),
                   'epp_session_new');
    $self->{h} = $h;
    return $self;
}

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

sub _bytes_arg {
    my ($what) = @_;
    return if !utf8::is_utf8($_[1]);
    my $copy = $_[1];
    utf8::downgrade($copy, 1)
        or croak "LibEPP::Session->$what: the data has wide characters; pass a byte string "
               . "(encode text with Encode::encode_utf8)";
    $_[1] = $copy;
    return;
}

# ---------------------------------------------------------------------
# feed-input
# ---------------------------------------------------------------------

sub feed_input {
    my ($self, $bytes, $now) = @_;
    croak "LibEPP::Session->feed_input: bytes are required" if !defined $bytes;
    _bytes_arg('feed_input', $bytes);
    return 0 if $bytes eq '';
    my ($ptr, $len) = scalar_to_buffer($bytes);
    my $used = 0;
    my $rc = LibEPP::FFI::epp_session_feed_input($self->{h}, $ptr, $len, $self->_now($now), \$used);
    $self->_check($rc, 'epp_session_feed_input') if $rc;
    return $used;
}

# Appends bytes to the input buffer, whatever its size (input_event: the
# bytes are read already).
sub _append {
    my ($self) = @_;
    my $bytes = $_[1];
    _bytes_arg('input', $bytes);
    if ($self->{input_closed}) {
        $self->{dropped} += length $bytes;    # the session reads no more
        return;
    }
    $self->{in} .= $bytes;
    return;
}

# Feeds the buffer until the session takes no more; returns the bytes taken.
sub _feed_buffer {
    my ($self, $now) = @_;
    my $total = 0;
    while (length $self->{in}) {
        my ($ptr, $len) = scalar_to_buffer($self->{in});
        my $used = 0;
        my $rc = LibEPP::FFI::epp_session_feed_input($self->{h}, $ptr, $len, $now, \$used);
        if ($rc == EPP_RESULT_SESSION_CLOSED) {
            # The session reads no more: what is left will never be read.
            $self->{input_closed} = 1;
            $self->{dropped} += length $self->{in};
            $self->{in} = '';
            last;
        }
        $self->_check($rc, 'epp_session_feed_input') if $rc;
        last if !$used;
        substr($self->{in}, 0, $used, '');
        $total += $used;
    }
    $self->_eof_if_drained($now);
    return $total;
}

# The peer's end of file reaches the session only once everything it sent
# before has been fed: commands pipelined behind a pending login are not lost.
sub _eof_if_drained {
    my ($self, $now) = @_;
    return if !$self->{eof_pending} || length $self->{in};
    $self->{eof_pending} = 0;
    my $rc = LibEPP::FFI::epp_session_handle_eof($self->{h}, $now);
    $self->_check($rc, 'epp_session_handle_eof') if $rc && $rc != EPP_RESULT_SESSION_CLOSED;
}

# True once the session processes no more input (a feed of 0 bytes says so).
sub _reads_no_more {
    my ($self, $now) = @_;
    return 1 if $self->{input_closed};
    my $probe = ' ';
    my ($ptr) = scalar_to_buffer($probe);
    my $used = 0;
    my $rc = LibEPP::FFI::epp_session_feed_input($self->{h}, $ptr, 0, $now, \$used);
    return $self->{input_closed} = 1 if $rc == EPP_RESULT_SESSION_CLOSED;
    $self->_check($rc, 'epp_session_feed_input') if $rc;
    return 0;
}

sub input {
    my ($self, undef, $now) = @_;
    my $new = defined $_[1] && length $_[1];
    return 0 if !$new && $self->{in} eq '';
    $now = $self->_now($now);
    # What is buffered goes first (and may make room).
    my $total = length $self->{in} ? $self->_feed_buffer($now) : 0;
    return $total if !$new;
    my $have = length $self->{in};
    if ($have + length($_[1]) > $self->{max_buffered} && !$self->_reads_no_more($now)) {
        croak sprintf("LibEPP::Session->input: %d more bytes would buffer %d, over max_buffered (%d); "
                      . "none of them was taken: give at most input_room (%d) bytes, and read no more "
                      . "until the session takes what is buffered", length($_[1]), $have + length($_[1]),
                      $self->{max_buffered}, $self->input_room);
    }
    $self->_append($_[1]);
    return $total + $self->_feed_buffer($now);
}

sub buffered_input { length $_[0]{in} }

sub max_buffered { $_[0]{max_buffered} }

sub input_room {
    my ($self) = @_;
    my $room = $self->{max_buffered} - length $self->{in};
    return $room > 0 ? $room : 0;
}

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
        if !defined $n || $n !~ /^\d+$/;
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
    my ($self, $id, $answer) = @_;
    $id = _id('answer_login', $id);
    croak "LibEPP::Session->answer_login: an answer is required" if !defined $answer;
    my $value = $answer =~ /^\d+$/ ? $answer : $LOGIN_ANSWER{$answer};
    croak "LibEPP::Session->answer_login: unknown answer '$answer' (one of: "
        . join(', ', sort keys %LOGIN_ANSWER) . ")" if !defined $value;
    return $self->_get('epp_session_answer_login', $id, $value);
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

sub input_event {
    my ($self, $now) = @_;
    return 0 if $self->{eof};
    $now = $self->_now($now);
    my $room = $self->input_room;
    if (!$room) {
        # The buffer is full: read nothing (the socket's buffers fill and TCP
        # holds the client back) until the session takes what is buffered.
        # Writing frees it when too much output is waiting.
        $self->output_event;
        return $self->_feed_and_dispatch($now);
    }
    local $!;
    my $size = $self->{read_size} < $room ? $self->{read_size} : $room;
    my $data = $self->_io_read($size);
    if (!defined $data) {
        return 0 if _would_block();
        $self->{io_error} = "read: $!";
        $data = '';    # a broken connection ends the session like an end of file
    }
    if ($data eq '') {
        $self->{eof} = 1;
        $self->{eof_pending} = 1;
        # Input still held back is fed first; the end of file follows it.
        length $self->{in} ? $self->_feed_buffer($now) : $self->_eof_if_drained($now);
        $self->process_queue if $self->{on_request};
        $self->output_event;
        return 0;
    }
    # An io whose read returns more than asked may overshoot the cap by that
    # much: the bytes are read already.
    $self->_append($data);
    return $self->_feed_and_dispatch($now);
}

# Feeds what is buffered, dispatches, writes; true if frames were completed
# or requests dispatched.
sub _feed_and_dispatch {
    my ($self, $now) = @_;
    my $queued_before = $self->outstanding;
    my $out_before = $self->output_length;
    $self->input(undef, $now);
    my $framed = $self->outstanding > $queued_before || $self->output_length > $out_before;
    my $dispatched = $self->{on_request} ? $self->_dispatch(undef, $now) : 0;
    $self->output_event;
    return ($framed || $dispatched) ? 1 : 0;
}

sub input_packet {
    my ($self, $data, $now) = @_;
    croak "LibEPP::Session->input_packet: a packet is required" if !defined $data;
    utf8::encode($data) if utf8::is_utf8($data);
    my $used = $self->input(pack('N', length($data) + 4) . $data, $now);
    $self->_dispatch(undef, $now) if $self->{on_request};
    $self->output_event if $self->{io};
    return $used;
}

sub _dispatch {
    my ($self, $count, $now) = @_;
    my $handler = $self->{on_request}
        or croak "LibEPP::Session->process_queue: no on_request handler was given to new()";
    my $n = 0;
    while (!defined $count || $n < $count) {
        my $req = $self->poll_queue;
        if (!$req) {
            # Answers may have freed input held back (a login): feed it, and
            # look again if it made requests.
            last if !length $self->{in} || !$self->input(undef, $now);
            next;
        }
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

  use LibEPP::Session;

  my $session = LibEPP::Session->new(config => $config);   # greeting queued

  # Event loop, socket readable (watch it for reading only while
  # $session->input_room > 0: the input buffer is bounded):
  my $n = sysread($sock, my $buf, $session->input_room);
  $n ? $session->input($buf) : $session->handle_eof;
  while (my $req = $session->poll_queue) { decide($req) }   # answer_* each
  $session->input;                                          # input held back by a login

  # Socket writable (or after any of the above):
  my $out = $session->take_output;                          # bytes, headers included
  if (length $out) {
      my $w = syswrite($sock, $out);
      $session->consume_output($w) if $w;
  }
  $session->input if $session->buffered_input;              # held back by waiting output
  # Finished: half-close, read and discard what the client still sends
  # (briefly), then close: a close with unread input sends an RST.
  shutdown($sock, 1) if $session->is_finished;

  # Timers:
  my $at = $session->next_timeout;                          # ms, or undef
  $session->handle_timeout if defined $at && LibEPP::now_ms() >= $at;

  # Or SRS::EPP::Session's shape, with the socket given to the session:
  my $s = LibEPP::Session->new(config => $config, io => $sock,
                               on_request => sub { my ($session, $req) = @_; ... });
  $s->connected;        # writes the greeting
  $s->input_event;      # socket readable: read, feed, dispatch, write
  $s->output_event;     # socket writable
  $s->process_queue;    # then feed input held back while output was waiting
  print $s->state, " ", $s->user // '-', "\n";

=head1 DESCRIPTION

A session is libepp's protocol engine for one connection: it reads the
bytes the client sent, writes the bytes to send back, answers hello,
logout and every protocol error itself, and queues what the host must
decide (logins, poll requests and acks, object commands, the session's
end) as L<LibEPP::Request> objects. It does no I/O: the host owns the
socket and the event loop. The methods are the C API's, one to one, plus
an input buffer (C<input>) and helpers with SRS::EPP::Session's names
(L</"SRS::EPP::Session COMPATIBILITY">).

Times are Unix milliseconds: each method that takes one has an optional
C<$now_ms> last argument, defaulting to the session's clock.

Every libepp failure throws a L<LibEPP::Error>.

=head1 CONSTRUCTOR

=head2 LibEPP::Session->new(%args)

=head2 LibEPP::Session->new($config)

Makes a session for a new connection (C<epp_session_new>); the greeting is
queued at once. Arguments:

=over

=item config (required)

The L<LibEPP::Config>.

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

=item max_buffered

The most bytes C<input> and C<input_event> keep buffered when the session
takes no more (default 262144, a frame of libepp's default
C<max_frame_size>). Once that many are buffered, C<input_event> reads
nothing until the session takes some, and C<input> croaks rather than
buffer more (see L</"input([$bytes], [$now_ms])">): a client that sends
without reading its responses is held back by TCP, not by the server's
memory.

=back

=head1 METHODS

=head2 Input

=over

=item feed_input($bytes, [$now_ms])

Hands the session a byte string read from the peer
(C<epp_session_feed_input>) and returns how many bytes it took. Fewer
than given means backpressure (a login is with the host, too many commands
are in flight, or too much output is waiting): keep the rest and feed it
again after answering or writing. Throws C<EPP_RESULT_SESSION_CLOSED>
once the session processes no more input. A string with characters above
255 croaks: wire data is bytes.

=item input([$bytes], [$now_ms])

The buffered form: feeds what is buffered, then appends C<$bytes> (if
any) to the session's input buffer and feeds as much of it as the session
takes; returns how many bytes it took. What it does not take stays
buffered: call C<< $session->input >> again after answering requests or
writing output. Once the session processes no more input, the buffer is
dropped (no exception), and so are bytes given later.

The buffer is bounded by C<max_buffered>: when C<$bytes> would take it
beyond that, C<input> croaks and takes none of them (what was buffered
before may have been fed). It refuses rather than silently buffering
without limit, and rather than taking part of the bytes, which would leave
the caller not knowing which part. So give it at most C<input_room> bytes:
read at most that much from the socket, and read nothing while it is 0
(leave the socket out of the read set; see the example server). Feeding a
closed session never croaks.

=item buffered_input

How many bytes are buffered, not yet taken.

=item max_buffered

The cap given to C<new> (default 262144).

=item input_room

How many more bytes C<input> accepts now: C<max_buffered> less
C<buffered_input>, or 0.

=item handle_eof([$now_ms])

The peer closed its sending side (read returned 0). Call it once every
byte read before has been fed (C<input_event> does this itself). A
C<session_end> request follows; write what is pending until
C<is_finished>.

=back

=head2 Output

=over

=item take_output

The bytes waiting to be sent, as a byte string (a copy, RFC 5734 length
headers included; C<''> when nothing is pending). They stay pending until
C<consume_output>.

=item consume_output($n)

Marks the first C<$n> pending bytes as written. Throws
C<EPP_RESULT_INVALID_LENGTH> when fewer are pending.

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
empty. Poll after every input and every answer.

=item poll_requests([$max])

Every queued request (at most C<$max>), as a list.

=item answer_login($id, $answer)

=item answer_poll_empty($id)

=item answer_poll_message($id, $poll_message | %args | \%args)

=item answer_ack($id, $remaining)

=item answer_ack_unknown($id)

=item answer_command($id, $response | $code, %options)

=item answer_failure($id, [$text])

Answer the request with id C<$id> (or the L<LibEPP::Request> itself);
described in L<LibEPP::Request>, whose methods of the same names call
these. C<answer_login> returns the result code sent.

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
(pipelined commands after a logout, say) makes the kernel send an RST,
and the client may lose responses already written, the 1500 to the logout
among them. Half-close first (C<shutdown($sock, 1)>), then read and
discard what still arrives for a short while (the example server: up to
1 s or 256 KiB, or until the end of file) before C<close>.

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

Ends the session at the host's wish: nothing more is written, and
C<is_finished> becomes true.

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

Call when C<io> is readable: reads once (at most C<read_size> bytes, and
no more than C<input_room>), feeds the bytes, dispatches the requests to
C<on_request>, and writes what it can. Returns true if the bytes
completed at least one frame, false otherwise (a partial frame, nothing
to read, or the end of file). The end of file reaches libepp only once
every byte read before it has been fed, so commands pipelined behind a
pending login are still answered. A read error is treated as an end of
file and kept in C<io_error>.

While C<max_buffered> bytes are buffered (the session applies
backpressure: too much output is waiting, too many commands are in
flight, or a login is with the host), it reads nothing: it writes what it
can, feeds the buffer again, dispatches and writes. An event loop should
watch C<io> for reading only while C<input_room> is above 0, and call
C<process_queue> after C<output_event> so that input held back is fed
once output drains.

=item input_packet($xml, [$now_ms])

Feeds one complete EPP message (the XML, without a length header) and
adds the 4-byte header. As in SRS::EPP::Session, a string without Perl's
UTF8 flag is taken as bytes (UTF-8 already); a string with it is encoded
to UTF-8 first. Dispatches to
C<on_request> and writes to C<io> when given. Returns the bytes taken
(header included). Like C<input>, it croaks (taking nothing) when the
message would take the input buffer beyond C<max_buffered>.

=item process_queue([$count])

Takes up to C<$count> requests (default: all) from the queue and calls
C<on_request> for each, feeding input held back (by a login, by too
many commands in flight, by too much output waiting) as answers and
writes free it. Returns the number of requests not yet answered, handed
out or still queued (C<outstanding>). Call it after C<output_event> too
(then C<send_pending_replies>): written output lets the session take the
buffered input it refused.

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
(or C<undef>), and whether the end of file was seen.

=back

=cut
