package LibEPP::Client;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use Scalar::Util qw(blessed);
use FFI::Platypus::Buffer qw(scalar_to_buffer buffer_to_scalar);
use LibEPP qw(:result :client :transfer :verb);
use LibEPP::ClientConfig;

my %CONFIG_OPTION = map { $_ => 1 } LibEPP::ClientConfig::_options();
my %KNOWN = (%CONFIG_OPTION, map { $_ => 1 } qw(config now clock));

my %KIND = reverse %LibEPP::CLIENT_COMMAND_KIND_NAME;
my %VERB = (check => EPP_COMMAND_VERB_CHECK, info => EPP_COMMAND_VERB_INFO,
            create => EPP_COMMAND_VERB_CREATE, update => EPP_COMMAND_VERB_UPDATE,
            delete => EPP_COMMAND_VERB_DELETE, renew => EPP_COMMAND_VERB_RENEW,
            transfer => EPP_COMMAND_VERB_TRANSFER);
my %OP = (request => EPP_TRANSFER_OP_REQUEST, approve => EPP_TRANSFER_OP_APPROVE,
          cancel => EPP_TRANSFER_OP_CANCEL, query => EPP_TRANSFER_OP_QUERY,
          reject => EPP_TRANSFER_OP_REJECT);
my %COMMAND_OPTION = map { $_ => 1 } qw(extension cl_trid tag op now);

sub new {
    my ($class, %a) = @_;
    for my $k (sort keys %a) {
        croak "LibEPP::Client->new: unknown option '$k'" if !$KNOWN{$k};
    }
    my $config = $a{config};
    if (defined $config) {
        croak "LibEPP::Client->new: config must be a LibEPP::ClientConfig"
            if !blessed($config) || !$config->isa('LibEPP::ClientConfig');
        my @both = grep { $CONFIG_OPTION{$_} } sort keys %a;
        croak "LibEPP::Client->new: give either config or the configuration options (@both), not both"
            if @both;
    } else {
        $config = LibEPP::ClientConfig->new(map { ($_ => $a{$_}) } grep { $CONFIG_OPTION{$_} } keys %a);
    }
    croak "LibEPP::Client->new: clock must be a code reference"
        if defined $a{clock} && ref $a{clock} ne 'CODE';
    my $self = bless { config => $config, clock => $a{clock} }, $class;
    my $h;
    LibEPP::_check(LibEPP::FFI::epp_client_session_new($config->_handle, $self->_now($a{now}), \$h),
                   'epp_client_session_new');
    $self->{h} = $h;
    return $self;
}

sub config { $_[0]{config} }

sub _now {
    my ($self, $now) = @_;
    return $now if defined $now;
    return $self->{clock} ? $self->{clock}->() : LibEPP::now_ms();
}

# Throws for a failed call given this session, with its last error as the
# detail for what libepp records (session errors, refused commands, panics).
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
# feed-input
# ---------------------------------------------------------------------

my $EMPTY = "\0";    # a valid pointer for a feed of 0 bytes

sub feed_input {
    my ($self, undef, $now) = @_;
    croak "LibEPP::Client->feed_input: bytes are required" if !defined $_[1];
    my $bytes = \$_[1];
    if (utf8::is_utf8($$bytes)) {
        my $copy = $$bytes;
        utf8::downgrade($copy, 1)
            or croak "LibEPP::Client->feed_input: the data has wide characters; pass a byte string "
                   . "(encode text with Encode::encode_utf8)";
        $bytes = \$copy;
    }
    my $len = length $$bytes;
    my ($ptr) = $len ? scalar_to_buffer($$bytes) : scalar_to_buffer($EMPTY);
    my $rc = LibEPP::FFI::epp_client_session_feed_input($self->{h}, $ptr, $len, $self->_now($now));
    $self->_check($rc, 'epp_client_session_feed_input') if $rc;
    return;
}

sub wants_input    { $_[0]->_get('epp_client_session_wants_input') ? 1 : 0 }
sub buffered_input { $_[0]->_get('epp_client_session_get_buffered_input') }

sub handle_eof {
    my ($self, $now) = @_;
    $self->_call('epp_client_session_handle_eof', $self->_now($now));
    return;
}

sub close {
    my ($self) = @_;
    $self->_call('epp_client_session_close');
    return;
}

# ---------------------------------------------------------------------
# take-output
# ---------------------------------------------------------------------

sub _output {
    my ($self) = @_;
    my ($p, $n) = (undef, 0);
    my $rc = LibEPP::FFI::epp_client_session_take_output($self->{h}, \$p, \$n);
    $self->_check($rc, 'epp_client_session_take_output') if $rc;
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
    croak "LibEPP::Client->consume_output: a byte count is required" if !defined $n || $n !~ /^\d+\z/;
    $self->_call('epp_client_session_consume_output', $n);
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
    my $e;
    my $rc = LibEPP::FFI::epp_client_session_poll_queue($self->{h}, \$e);
    $self->_check($rc, 'epp_client_session_poll_queue') if $rc;
    return undef if !$e;
    return LibEPP::Client::Event->_new($e);
}

sub poll_events {
    my ($self) = @_;
    my @e;
    while (my $e = $self->poll_queue) {
        push @e, $e;
    }
    return @e;
}

# ---------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------

sub _options {
    my ($what, @opts) = @_;
    croak "LibEPP::Client->$what: options are key => value pairs" if @opts % 2;
    my %o = @opts;
    for my $k (sort keys %o) {
        croak "LibEPP::Client->$what: unknown option '$k'" if !$COMMAND_OPTION{$k};
    }
    croak "LibEPP::Client->$what: tag must be a non-negative integer"
        if defined $o{tag} && (ref $o{tag} || $o{tag} !~ /^\d+\z/);
    return \%o;
}

# Takes the command handle a command call wrote, as a LibEPP::Client::Command.
sub _taken {
    my ($h) = @_;
    my $c = eval { LibEPP::Client::Command->_read($h) };
    my $err = $@;
    LibEPP::FFI::epp_client_command_free($h);
    die $err if !$c;
    return $c;
}

# epp_client_session_send: every command, every option.
sub send {
    my ($self, $kind, @rest) = @_;
    croak "LibEPP::Client->send: a command kind is required" if !defined $kind;
    my $k = $kind =~ /^\d+\z/ ? $kind : $KIND{$kind}
        // croak "LibEPP::Client->send: unknown command kind '$kind' (one of: "
                . join(', ', sort keys %KIND) . ")";
    my $argument;
    $argument = shift @rest if @rest % 2;    # the object XML, or the message id of an ack
    my $o = _options('send', @rest);
    my $op = EPP_TRANSFER_OP_NONE;
    if (defined $o->{op}) {
        $op = $o->{op} =~ /^\d+\z/ ? $o->{op} : $OP{$o->{op}}
            // croak "LibEPP::Client->send: unknown transfer op '$o->{op}' (one of: "
                    . join(', ', sort keys %OP) . ")";
    }
    my $tag = $o->{tag};
    my $h;
    my $rc = LibEPP::FFI::epp_client_session_send(
        $self->{h}, $k, LibEPP::_in($argument), $op, LibEPP::_in($o->{extension}),
        LibEPP::_in($o->{cl_trid}), defined $tag ? \$tag : undef, $self->_now($o->{now}), \$h);
    $self->_check($rc, 'epp_client_session_send') if $rc;
    return _taken($h);
}

# A shortcut without options, or send.
sub _simple {
    my ($self, $kind, $fn, @opts) = @_;
    my $o = _options($kind, @opts);
    return $self->send($kind, @opts) if grep { $_ ne 'now' } keys %$o;
    my $h;
    my $rc;
    {
        no strict 'refs';
        $rc = &{"LibEPP::FFI::$fn"}($self->{h}, $self->_now($o->{now}), \$h);
    }
    $self->_check($rc, $fn) if $rc;
    return _taken($h);
}

sub hello  { my $s = shift; $s->_simple('hello',        'epp_client_session_hello',        @_) }
sub login  { my $s = shift; $s->_simple('login',        'epp_client_session_login',        @_) }
sub logout { my $s = shift; $s->_simple('logout',       'epp_client_session_logout',       @_) }
sub poll   { my $s = shift; $s->_simple('poll_request', 'epp_client_session_poll_request', @_) }

sub ack {
    my ($self, $message_id, @opts) = @_;
    croak "LibEPP::Client->ack: a message id is required" if !defined $message_id;
    my $o = _options('ack', @opts);
    return $self->send('poll_ack', $message_id, @opts) if grep { $_ ne 'now' } keys %$o;
    my $h;
    my $rc = LibEPP::FFI::epp_client_session_poll_ack($self->{h}, LibEPP::_in($message_id),
                                                      $self->_now($o->{now}), \$h);
    $self->_check($rc, 'epp_client_session_poll_ack') if $rc;
    return _taken($h);
}

sub command {
    my ($self, $verb, $xml, @opts) = @_;
    croak "LibEPP::Client->command: a verb and the object XML are required" if !defined $xml;
    my $v = $VERB{$verb // ''}
        // croak "LibEPP::Client->command: unknown verb '" . ($verb // 'undef') . "' (one of: "
                . join(', ', sort keys %VERB) . ")";
    my $o = _options('command', @opts);
    return $self->send($verb, $xml, @opts) if defined $o->{op} || defined $o->{cl_trid};
    my $tag = $o->{tag};
    my $h;
    my $rc = LibEPP::FFI::epp_client_session_object(
        $self->{h}, $v, LibEPP::_in($xml), LibEPP::_in($o->{extension}),
        defined $tag ? \$tag : undef, $self->_now($o->{now}), \$h);
    $self->_check($rc, 'epp_client_session_object') if $rc;
    return _taken($h);
}

# ---------------------------------------------------------------------
# Time, state
# ---------------------------------------------------------------------

sub next_timeout {
    my ($self) = @_;
    my $at = $self->_get('epp_client_session_get_next_timeout');
    return $at == LibEPP::EPP_TIMEOUT_NONE ? undef : $at;
}

sub handle_timeout {
    my ($self, $now) = @_;
    return $self->_get('epp_client_session_handle_timeout', $self->_now($now)) ? 1 : 0;
}

sub state_code  { $_[0]->_get('epp_client_session_get_state') }
sub state_name  { $LibEPP::CLIENT_STATE_NAME{$_[0]->state_code} }
sub is_finished { $_[0]->_get('epp_client_session_is_finished') ? 1 : 0 }
sub in_flight   { $_[0]->_get('epp_client_session_get_in_flight') }
sub queued      { $_[0]->_get('epp_client_session_get_queued') }

sub close_reason        { $_[0]->_get('epp_client_session_get_close_reason') }
sub close_reason_name   { $LibEPP::CLIENT_CLOSE_REASON_NAME{$_[0]->close_reason} }
sub protocol_error      { $_[0]->_get('epp_client_session_get_protocol_error') }
sub protocol_error_name { $LibEPP::CLIENT_PROTOCOL_ERROR_NAME{$_[0]->protocol_error} }
sub close_reason_text   { $_[0]->_string('epp_client_session_get_close_reason_text') }

sub close_detail {
    my ($self, $which) = @_;
    croak "LibEPP::Client->close_detail: an EPP_CLOSE_DETAIL_* value is required" if !defined $which;
    my $v = 0;
    my $rc = LibEPP::FFI::epp_client_session_get_close_detail($self->{h}, $which, \$v);
    return undef if $rc == EPP_RESULT_NOT_APPLICABLE;
    $self->_check($rc, 'epp_client_session_get_close_detail') if $rc;
    return $v;
}

sub last_error {
    my ($self) = @_;
    my ($p, $n);
    my $rc = LibEPP::FFI::epp_client_session_get_last_error($self->{h}, \$p, \$n);
    return undef if $rc;
    return LibEPP::_out($p, $n);
}

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_client_session_free') }

sub CLONE_SKIP { 1 }

# =====================================================================

package LibEPP::Client::Command;

use strict;
use warnings;
use LibEPP qw(:result);

our $VERSION = '0.6.0';

# A number getter that may be not applicable (undef then).
sub _maybe {
    my ($fn, @args) = @_;
    my $v = 0;
    no strict 'refs';
    my $rc = &{"LibEPP::FFI::$fn"}(@args, \$v);
    return undef if $rc == EPP_RESULT_NOT_APPLICABLE;
    LibEPP::_check($rc, $fn);
    return $v;
}

# Reads a command handle (owned or borrowed) into a Perl object.
sub _read {
    my ($class, $h) = @_;
    my ($id, $kind, $keep, $p, $n) = (0, 0, 0);
    LibEPP::_check(LibEPP::FFI::epp_client_command_get_id($h, \$id), 'epp_client_command_get_id');
    LibEPP::_check(LibEPP::FFI::epp_client_command_get_kind($h, \$kind), 'epp_client_command_get_kind');
    LibEPP::_check(LibEPP::FFI::epp_client_command_get_cl_trid($h, \$p, \$n), 'epp_client_command_get_cl_trid');
    my $cl_trid = LibEPP::_out($p, $n);
    LibEPP::_check(LibEPP::FFI::epp_client_command_is_keep_alive($h, \$keep), 'epp_client_command_is_keep_alive');
    return bless {
        id         => $id,
        kind       => $kind,
        tag        => _maybe('epp_client_command_get_tag', $h),
        cl_trid    => $cl_trid,
        sent_at    => _maybe('epp_client_command_get_sent_at', $h),
        keep_alive => $keep ? 1 : 0,
    }, $class;
}

sub id            { $_[0]{id} }
sub kind          { $_[0]{kind} }
sub kind_name     { $LibEPP::CLIENT_COMMAND_KIND_NAME{$_[0]{kind}} // 'unknown' }
sub tag           { $_[0]{tag} }
sub cl_trid       { $_[0]{cl_trid} }
sub sent_at       { $_[0]{sent_at} }
sub is_keep_alive { $_[0]{keep_alive} }

# =====================================================================

package LibEPP::Client::Event;

use strict;
use warnings;
use LibEPP qw(:result :client :close);

our $VERSION = '0.6.0';

my %EVENT_CLASS = (
    EPP_CLIENT_EVENT_KIND_GREETING()         => 'LibEPP::Client::Event::Greeting',
    EPP_CLIENT_EVENT_KIND_LOGIN()            => 'LibEPP::Client::Event::Login',
    EPP_CLIENT_EVENT_KIND_RESPONSE()         => 'LibEPP::Client::Event::Response',
    EPP_CLIENT_EVENT_KIND_KEEP_ALIVE()       => 'LibEPP::Client::Event::KeepAlive',
    EPP_CLIENT_EVENT_KIND_RESPONSE_OVERDUE() => 'LibEPP::Client::Event::ResponseOverdue',
    EPP_CLIENT_EVENT_KIND_CLOSED()           => 'LibEPP::Client::Event::Closed',
);
for my $class (values %EVENT_CLASS) {
    no strict 'refs';
    @{"${class}::ISA"} = ('LibEPP::Client::Event');
}

my %DETAIL = (
    frame_length   => EPP_CLOSE_DETAIL_FRAME_LENGTH,
    frame_limit    => EPP_CLOSE_DETAIL_FRAME_LIMIT,
    bytes_received => EPP_CLOSE_DETAIL_BYTES_RECEIVED,
    result_code    => EPP_CLOSE_DETAIL_RESULT_CODE,
    command_id     => EPP_CLOSE_DETAIL_COMMAND_ID,
    command_kind   => EPP_CLOSE_DETAIL_COMMAND_KIND,
);

# Getters of an event handle: undef when not applicable.
sub _num {
    my ($fn, @args) = @_;
    my $v = 0;
    no strict 'refs';
    my $rc = &{"LibEPP::FFI::$fn"}(@args, \$v);
    return undef if $rc == EPP_RESULT_NOT_APPLICABLE;
    LibEPP::_check($rc, $fn);
    return $v;
}

sub _str {
    my ($fn, @args) = @_;
    my ($p, $n);
    no strict 'refs';
    my $rc = &{"LibEPP::FFI::$fn"}(@args, \$p, \$n);
    return undef if $rc == EPP_RESULT_NOT_APPLICABLE;
    LibEPP::_check($rc, $fn);
    return LibEPP::_out($p, $n);
}

sub _list {
    my ($h, $count, $get) = @_;
    my $n = _num($count, $h) // 0;
    return [map { _str($get, $h, $_) } 0 .. $n - 1];
}

# Reads everything of an event handle, then frees it: the event is plain
# Perl data, independent of the session.
sub _new {
    my ($class, $h) = @_;
    my $self = eval { _read($h) };
    my $err = $@;
    LibEPP::FFI::epp_client_event_free($h);
    die $err if !$self;
    return $self;
}

sub _read {
    my ($h) = @_;
    my $kind = _num('epp_client_event_get_kind', $h);
    my %e = (kind => $kind);
    if ($kind != EPP_CLIENT_EVENT_KIND_CLOSED) {
        my $c = 0;
        LibEPP::_check(LibEPP::FFI::epp_client_event_get_command($h, \$c), 'epp_client_event_get_command');
        $e{command} = $c ? LibEPP::Client::Command->_read($c) : undef;
    }
    if ($kind == EPP_CLIENT_EVENT_KIND_GREETING) {
        $e{sv_id} = _str('epp_client_event_get_greeting_sv_id', $h);
        $e{sv_date} = _str('epp_client_event_get_greeting_sv_date', $h);
        $e{sv_date_ms} = _num('epp_client_event_get_greeting_sv_date_ms', $h);
        $e{versions} = _list($h, 'epp_client_event_get_greeting_version_count',
                             'epp_client_event_get_greeting_version');
        $e{languages} = _list($h, 'epp_client_event_get_greeting_lang_count',
                              'epp_client_event_get_greeting_lang');
        $e{object_uris} = _list($h, 'epp_client_event_get_greeting_obj_uri_count',
                                'epp_client_event_get_greeting_obj_uri');
        $e{extension_uris} = _list($h, 'epp_client_event_get_greeting_ext_uri_count',
                                   'epp_client_event_get_greeting_ext_uri');
        $e{dcp} = _str('epp_client_event_get_greeting_dcp', $h);
    }
    if ($kind == EPP_CLIENT_EVENT_KIND_LOGIN || $kind == EPP_CLIENT_EVENT_KIND_RESPONSE) {
        $e{code} = _num('epp_client_event_get_code', $h);
        my $n = _num('epp_client_event_get_result_count', $h);
        for my $i (0 .. $n - 1) {
            my $values = _num('epp_client_event_get_result_value_count', $h, $i);
            push @{$e{results}}, {
                code    => _num('epp_client_event_get_result_code', $h, $i),
                message => _str('epp_client_event_get_result_message', $h, $i),
                lang    => _str('epp_client_event_get_result_lang', $h, $i),
                values  => [map { {
                    xml    => _str('epp_client_event_get_result_value', $h, $i, $_),
                    reason => _str('epp_client_event_get_result_value_reason', $h, $i, $_),
                } } 0 .. $values - 1],
            };
        }
        $e{response_cl_trid} = _str('epp_client_event_get_response_cl_trid', $h);
        $e{sv_trid} = _str('epp_client_event_get_sv_trid', $h);
        $e{res_data} = _str('epp_client_event_get_res_data', $h);
        $e{extension} = _str('epp_client_event_get_extension', $h);
        if (_num('epp_client_event_has_msgq', $h)) {
            $e{msgq} = {
                count   => _num('epp_client_event_get_msgq_count', $h),
                id      => _str('epp_client_event_get_msgq_id', $h),
                date    => _str('epp_client_event_get_msgq_date', $h),
                date_ms => _num('epp_client_event_get_msgq_date_ms', $h),
                message => _str('epp_client_event_get_msgq_message', $h),
                lang    => _str('epp_client_event_get_msgq_lang', $h),
            };
        }
    }
    if ($kind == EPP_CLIENT_EVENT_KIND_LOGIN && _num('epp_client_event_has_services', $h)) {
        $e{services} = {
            object_uris    => _list($h, 'epp_client_event_get_service_obj_uri_count',
                                    'epp_client_event_get_service_obj_uri'),
            extension_uris => _list($h, 'epp_client_event_get_service_ext_uri_count',
                                    'epp_client_event_get_service_ext_uri'),
            lang           => _str('epp_client_event_get_service_lang', $h),
            login_security => _num('epp_client_event_get_service_login_security', $h) ? 1 : 0,
        };
    }
    if ($kind == EPP_CLIENT_EVENT_KIND_CLOSED) {
        $e{close_reason} = _num('epp_client_event_get_close_reason', $h);
        $e{protocol_error} = _num('epp_client_event_get_protocol_error', $h);
        $e{details} = {map { ($_ => _num('epp_client_event_get_close_detail', $h, $DETAIL{$_})) }
                       keys %DETAIL};
        $e{expected_cl_trid} = _str('epp_client_event_get_close_expected_cl_trid', $h);
        $e{received_cl_trid} = _str('epp_client_event_get_close_received_cl_trid', $h);
        $e{close_reason_text} = _str('epp_client_event_get_close_reason_text', $h);
        my $n = _num('epp_client_event_get_unanswered_count', $h);
        for my $i (0 .. $n - 1) {
            my $c = 0;
            LibEPP::_check(LibEPP::FFI::epp_client_event_get_unanswered($h, $i, \$c),
                           'epp_client_event_get_unanswered');
            push @{$e{unanswered}}, LibEPP::Client::Command->_read($c);
        }
        $e{unanswered} //= [];
    }
    return bless \%e, $EVENT_CLASS{$kind} // 'LibEPP::Client::Event';
}

sub kind      { $_[0]{kind} }
sub kind_name { $LibEPP::CLIENT_EVENT_KIND_NAME{$_[0]{kind}} // 'unknown' }

sub is_greeting         { $_[0]{kind} == EPP_CLIENT_EVENT_KIND_GREETING }
sub is_login            { $_[0]{kind} == EPP_CLIENT_EVENT_KIND_LOGIN }
sub is_response         { $_[0]{kind} == EPP_CLIENT_EVENT_KIND_RESPONSE }
sub is_keep_alive       { $_[0]{kind} == EPP_CLIENT_EVENT_KIND_KEEP_ALIVE }
sub is_response_overdue { $_[0]{kind} == EPP_CLIENT_EVENT_KIND_RESPONSE_OVERDUE }
sub is_closed           { $_[0]{kind} == EPP_CLIENT_EVENT_KIND_CLOSED }

sub command { $_[0]{command} }
sub hello   { $_[0]->is_greeting ? $_[0]{command} : undef }
sub tag     { $_[0]{command} ? $_[0]{command}->tag : undef }

# Responses (login and response events).
sub code             { $_[0]{code} }
sub is_success       { defined $_[0]{code} && $_[0]{code} < 2000 ? 1 : 0 }
sub results          { @{$_[0]{results} // []} }
sub message          { $_[0]{results} ? $_[0]{results}[0]{message} : undef }
sub response_cl_trid { $_[0]{response_cl_trid} }
sub sv_trid          { $_[0]{sv_trid} }
sub msgq             { $_[0]{msgq} }
sub res_data         { $_[0]{res_data} }
sub extension        { $_[0]{extension} }
sub services         { $_[0]{services} }

# Greetings.
sub sv_id          { $_[0]{sv_id} }
sub sv_date        { $_[0]{sv_date} }
sub sv_date_ms     { $_[0]{sv_date_ms} }
sub versions       { @{$_[0]{versions} // []} }
sub languages      { @{$_[0]{languages} // []} }
sub object_uris    { @{$_[0]{object_uris} // []} }
sub extension_uris { @{$_[0]{extension_uris} // []} }
sub dcp            { $_[0]{dcp} }

# The end of the session.
sub close_reason        { $_[0]{close_reason} }
sub close_reason_name   { defined $_[0]{close_reason} ? $LibEPP::CLIENT_CLOSE_REASON_NAME{$_[0]{close_reason}} : undef }
sub protocol_error      { $_[0]{protocol_error} }
sub protocol_error_name { defined $_[0]{protocol_error} ? $LibEPP::CLIENT_PROTOCOL_ERROR_NAME{$_[0]{protocol_error}} : undef }
sub close_reason_text   { $_[0]{close_reason_text} }
sub expected_cl_trid    { $_[0]{expected_cl_trid} }
sub received_cl_trid    { $_[0]{received_cl_trid} }
sub unanswered          { @{$_[0]{unanswered} // []} }

sub close_detail {
    my ($self, $which) = @_;
    return undef if !$self->{details};
    if (defined $which && $which =~ /^\d+\z/) {
        my %by_value = reverse %DETAIL;
        $which = $by_value{$which} // return undef;
    }
    return $self->{details}{$which // ''};
}

1;

__END__

=head1 NAME

LibEPP::Client - the registrar's side of EPP: libepp's sans-IO client engine for Perl

=head1 SYNOPSIS

  use LibEPP::Client;

  my $client = LibEPP::Client->new(
      client_id      => 'ClientX',
      password       => 'foo-BAR2',
      object_uris    => [{ uri => 'urn:ietf:params:xml:ns:domain-1.0', required => 1 }],
      extension_uris => ['urn:ietf:params:xml:ns:secDNS-1.1'],
      max_in_flight  => 4,
  );    # or LibEPP::Client->new(config => $client_config), one config for many sessions

  while (!$client->is_finished) {
      # write: the commands, with their 4-byte length headers
      my $out = $client->take_output;
      if (length $out) {
          my $n = syswrite($socket, $out);
          $client->consume_output($n) if $n;
      }
      # read: every byte from the server (true until the session is closed)
      if ($client->wants_input) {
          my $n = sysread($socket, my $bytes, 65536);
          $n ? $client->feed_input($bytes) : $client->handle_eof;
      }
      # the events, in the order things happened
      while (my $ev = $client->poll_queue) {
          if ($ev->is_greeting && !$ev->hello) {
              $client->login;
          } elsif ($ev->is_login && $ev->code == 1000) {
              $client->command(check => '<domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">'
                               . '<domain:name>example.com</domain:name></domain:check>', tag => 1);
          } elsif ($ev->is_response) {
              printf "%s (tag %s): %d %s\n", $ev->command->kind_name, $ev->tag // '-',
                  $ev->code, $ev->message;
              $client->logout if $ev->tag && $ev->tag == 1;
          } elsif ($ev->is_closed) {
              warn "closed: ", $ev->close_reason_text, "\n";
          }
      }
      # the timer
      my $at = $client->next_timeout;
      $client->handle_timeout if defined $at && LibEPP::now_ms() >= $at;
  }

=head1 DESCRIPTION

C<LibEPP::Client> is one EPP client session (the registrar's side of RFC
5730, framed by RFC 5734) on one connection, without any I/O: the Perl
skin of libepp's C<epp_client_session> (C<include/epp.h>, "Client" in
C<docs/c-api.md>; the engine is described in C<docs/client.md>). The host
owns the socket and TLS; libepp writes the commands (login negotiated
against the greeting, RFC 8807 long passwords, generated clTRIDs), reads
the server's frames strictly, matches each response to its command in
order, keeps at most C<max_in_flight> commands in flight, and keeps the
deadlines.

The same conventions as the server binding (L<LibEPP/Conventions>): text is
Perl character strings, wire bytes are byte strings with RFC 5734 headers,
times are Unix milliseconds (an optional C<$now_ms> last argument, or the
session's clock), and every failure throws a L<LibEPP::Error> whose class
names the C<epp_result> (for refused commands:
C<LibEPP::Error::WrongState>, C<::ServiceNotOffered>, C<::NoObjectService>,
C<::VersionNotOffered>, C<::LanguageNotOffered>, C<::PasswordTooLong>,
C<::NotLoggedInWith>, C<::InvalidXml>, C<::InvalidCommand>, and
C<::SessionClosed> once the session is closing or closed). A refused
command sends nothing and takes no clTRID. The server's mistakes are never
exceptions: they close the session, with a closed event saying why.

=head1 CONSTRUCTOR

=head2 LibEPP::Client->new(%args)

Makes a session for a connection made now (or at C<now>). Nothing is sent
until the greeting has come. Either C<config>, a L<LibEPP::ClientConfig>
shared by many sessions, or the options of L<LibEPP::ClientConfig/new>
(C<client_id>, C<password>, C<new_password>, C<lang>, C<object_uris>,
C<extension_uris>, C<max_in_flight>, C<keep_alive_ms>,
C<response_deadline_ms>, C<cl_trid_prefix>, C<max_frame_size>), and:

=over

=item now

The time of the connection, in milliseconds (default: the clock).

=item clock

A code reference returning the time in milliseconds, used whenever a call
is given no time (default: L<Time::HiRes>).

=back

=head2 config

The L<LibEPP::ClientConfig>.

=head1 METHODS

=head2 Input

=head3 feed_input($bytes [, $now_ms])

feed-input: every byte read from the server (a byte string). Each whole
frame is handled at once; an unfinished one is held. While closing, input
is dropped. Throws C<LibEPP::Error::SessionClosed> once the session is
closed.

=head3 wants_input

Whether to read from the server: true until the session is closed.

=head3 buffered_input

Bytes of an unfinished frame held.

=head3 handle_eof([$now_ms])

The server closed the connection (C<sysread> returned 0): before the
session ends that closes it (C<peer_closed>, or C<peer_closed_mid_frame>);
while closing it is the expected end.

=head3 close

The host ends the session: output not yet consumed is dropped, and a
closed event lists the commands left unanswered.

=head2 Output

=head3 take_output

take-output: the bytes to write (a byte string, empty when nothing is
pending), copied; they stay pending until consumed.

=head3 output_length

How many bytes are pending.

=head3 consume_output($n)

Marks C<$n> bytes as written.

=head3 drain_output

Takes and consumes all pending output.

=head2 Events

=head3 poll_queue

poll-queue: the next L</EVENTS> object, or C<undef>.

=head3 poll_events

Every event waiting, in order.

=head2 Commands

Each gives a command and returns a L</COMMANDS> object (its id, kind, tag,
clTRID, and when it was written: C<undef> while it waits for room). The
options, as C<< key => value >> pairs after the arguments:

=over

=item extension

C<< <extension> >> content: elements in the session's extURIs, each
declaring its namespaces.

=item cl_trid

The clTRID (3 to 64 characters); by default one is generated.

=item tag

A number of the caller's, carried by every event about the command.

=item op

For C<transfer> only: C<request>, C<approve>, C<cancel>, C<query> or
C<reject>.

=item now

The time, in milliseconds.

=back

=head3 hello(%options)

C<< <hello> >>; its answer is a greeting event whose C<hello> is this
command. (The engine refuses a hello with an extension or a clTRID.)

=head3 login(%options)

C<< <login> >>: the credentials and the wanted services the latest greeting
offers; refused early when a required service, the language or version 1.0
is missing, or a long password cannot use RFC 8807. Answered by a login
event.

=head3 logout(%options)

C<< <logout> >>; a 1500 answer closes the session.

=head3 poll(%options)

C<< <poll op="req"> >>.

=head3 ack($message_id, %options)

C<< <poll op="ack" msgID> >>.

=head3 command($verb, $object_xml, %options)

An object command: C<$verb> (C<check>, C<info>, C<create>, C<update>,
C<delete>, C<renew>, C<transfer>) around the object element, which must
declare its namespaces (one of the session's objURIs). A transfer needs
the C<op> option.

=head3 send($kind, [$argument,] %options)

Any command, as C<epp_client_session_send>: C<$kind> a command kind name
(C<hello>, C<login>, C<logout>, C<poll_request>, C<poll_ack>, C<check>,
C<info>, C<create>, C<update>, C<delete>, C<renew>, C<transfer>) or its
C<EPP_CLIENT_COMMAND_KIND_*> value, C<$argument> the object XML (or the
message id of a C<poll_ack>).

=head2 State and time

=head3 next_timeout

When to call C<handle_timeout> (Unix milliseconds), or C<undef> for
never.

=head3 handle_timeout([$now_ms])

Acts on the deadline due: a keep-alive C<< <hello> >> (a keep-alive
event), or closing for an overdue greeting or response (a
response-overdue event, then a closed event). True when one was due.

=head3 state_code, state_name

The state: C<EPP_CLIENT_STATE_*>, and its name (C<awaiting_greeting>,
C<greeting_received>, C<login_sent>, C<logged_in>, C<logout_sent>,
C<closing>, C<closed>).

=head3 is_finished

True once the session is closed: close the connection.

=head3 in_flight, queued

Commands written and unanswered; commands waiting for room.

=head3 close_reason, close_reason_name, close_reason_text

Why the session ended (C<EPP_CLIENT_CLOSE_REASON_*>, its name: C<none>,
C<logout>, C<server_closing>, C<peer_closed>, C<peer_closed_mid_frame>,
C<protocol>, C<greeting_overdue>, C<response_overdue>, C<host>), and as
text (C<undef> while open).

=head3 protocol_error, protocol_error_name

For a protocol error, what was wrong (C<EPP_CLIENT_PROTOCOL_ERROR_*>, its
name: C<none>, C<bad_frame_length>, C<malformed>, C<greeting_expected>,
C<unexpected_greeting>, C<unsolicited>, C<cl_trid_mismatch>).

=head3 close_detail($which)

A number that comes with the close reason, C<$which> an
C<EPP_CLOSE_DETAIL_*> value; C<undef> when there is none.

=head3 last_error

Why the latest call that changes the session failed, or C<undef>.

=head1 COMMANDS

C<LibEPP::Client::Command>: a command the session took, returned by the
command methods and carried by events.

=head2 id

The session's id for it: from 1, in the order commands were given
(keep-alive hellos included).

=head2 kind, kind_name

C<EPP_CLIENT_COMMAND_KIND_*>, and its name (as for C<send>).

=head2 tag

The caller's tag, or C<undef>.

=head2 cl_trid

Its clTRID (C<undef> for a hello).

=head2 sent_at

When it was written (milliseconds), or C<undef> while it waits for room
(and for a command that never went out).

=head2 is_keep_alive

True for a hello the session sent on its own.

=head1 EVENTS

C<LibEPP::Client::Event>, blessed into a subclass by kind
(C<LibEPP::Client::Event::Greeting>, C<::Login>, C<::Response>,
C<::KeepAlive>, C<::ResponseOverdue>, C<::Closed>). Events are plain Perl
data, independent of the session. Getters that do not apply to an event's
kind return C<undef> (or an empty list).

=head2 kind, kind_name

C<EPP_CLIENT_EVENT_KIND_*>, and its name: C<greeting>, C<login>,
C<response>, C<keep_alive>, C<response_overdue>, C<closed>.

=head2 is_greeting, is_login, is_response, is_keep_alive, is_response_overdue, is_closed

The kind, as booleans.

=head2 command

The L</COMMANDS> object the event is about (for a greeting, the hello it
answers, or C<undef>).

=head2 hello

Greeting: the hello it answers, C<undef> for the connection's first.

=head2 tag

The tag of the event's command.

=head2 code, is_success, message, results

Login and response: the result code and message of the first result, and
every result as a hash (C<code>, C<message>, C<lang>, C<values>: hashes of
C<xml> and, for an C<< <extValue> >>, C<reason>).

=head2 response_cl_trid, sv_trid

The response's C<< <clTRID> >> (C<undef> when the server sent none) and
C<< <svTRID> >>.

=head2 msgq

C<< <msgQ> >> as a hash (C<count>, C<id>, C<date> as sent, C<date_ms>,
C<message>, C<lang>), or C<undef>.

=head2 res_data, extension

The children of C<< <resData> >> and C<< <extension> >>, each standing
alone, or C<undef>.

=head2 services

Successful login: the services in force, a hash (C<object_uris>,
C<extension_uris>, C<lang>, C<login_security>); C<undef> otherwise.

=head2 sv_id, sv_date, sv_date_ms, versions, languages, object_uris, extension_uris, dcp

Greeting: the C<< <svID> >>, C<< <svDate> >> (as sent, and in
milliseconds), the menus, and the C<< <dcp> >> element.

=head2 close_reason, close_reason_name, protocol_error, protocol_error_name, close_reason_text

Closed: why (as for the session's methods of these names).

=head2 close_detail($which)

Closed: the number that comes with the reason; C<$which> an
C<EPP_CLOSE_DETAIL_*> value or name (C<frame_length>, C<frame_limit>,
C<bytes_received>, C<result_code>, C<command_id>, C<command_kind>).

=head2 expected_cl_trid, received_cl_trid

Closed for a clTRID mismatch: the command's clTRID and the response's.

=head2 unanswered

Closed: the commands given and never answered, oldest first.

=head1 SEE ALSO

L<LibEPP::ClientConfig>, L<LibEPP>, C<perl/t/75-client-scripts.t> (the
client scripts through this binding), C<tests/client_scripts/README.md>,
C<docs/client.md> and C<docs/c-api.md> of libepp.

=cut
