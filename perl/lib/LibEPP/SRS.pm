package LibEPP::SRS;

# SRS::EPP::Session's shape on libepp: its constructor options, its
# Event.pm hooks (io watchers, yield, the signal timer, unloop_all), its
# logging methods and its method names, so that SRS-EPP-Proxy's accept path
# changes only by the class name. libepp is the state machine; the host's
# on_request handler is the back end. See the POD at the end.

use strict;
use warnings;
use 5.010;

our $VERSION = '0.6.0';

use Carp qw(croak);
use Scalar::Util qw(blessed weaken);
use mro ();

use LibEPP qw(:state);
use LibEPP::Session;
our @ISA = ('LibEPP::Session');

# What setup() gave, per class (subclasses inherit their parents').
my %SETUP;
my $EVENT_HIRES = 0;

# SRS::EPP::Session's constructor options this class takes; then libepp's.
my @SRS_OPTIONS = qw(io socket proxy event backend_url peerhost peer_cn timeout
                     connection_id backend_tx_max);
my @OWN_OPTIONS = qw(server on_request clock read_size now logger drain_timeout
                     drain_bytes unloop_on_close signal_interval);
my %KNOWN = map { $_ => 1 } @SRS_OPTIONS, @OWN_OPTIONS;
my %SETUP_KNOWN = map { $_ => 1 } qw(server on_request clock read_size logger drain_timeout
                                    drain_bytes unloop_on_close signal_interval timeout);

sub setup {
    my ($class, %a) = @_;
    croak 'LibEPP::SRS->setup is a class method' if ref $class;
    for my $k (sort keys %a) {
        croak "$class->setup: unknown option '$k'" if !$SETUP_KNOWN{$k};
    }
    croak "$class->setup: server must be a LibEPP::Server"
        if exists $a{server} && !(blessed($a{server}) && $a{server}->isa('LibEPP::Server'));
    croak "$class->setup: on_request must be a code reference"
        if exists $a{on_request} && ref $a{on_request} ne 'CODE';
    $SETUP{$class} = { %{ $SETUP{$class} || {} }, %a };
    return $class;
}

sub _setup {
    my ($class) = @_;
    my %s;
    for my $c (reverse @{ mro::get_linear_isa($class) }) {
        %s = (%s, %{ $SETUP{$c} }) if $SETUP{$c};
    }
    return \%s;
}

sub new {
    my $class = shift;
    my %a = @_;
    for my $k (sort keys %a) {
        next if $KNOWN{$k};
        croak "$class->new: '$k' is internal state of SRS::EPP::Session, which libepp keeps "
            . "itself (see the mapping table in perl/README.md)"
            if $k =~ /^(?:user|want_user|state|output_event_watcher|input_event_watcher|yielding|
                          server_id_seq|extensions|input_packeter|processing_queue|backend_queue|
                          stalled|user_agent|active_request|output_queue|shutting_down)\z/x;
        croak "$class->new: unknown option '$k'";
    }
    my $setup = $class->_setup;
    my %o = (%$setup, %a);
    croak "$class->new: event is required (an Event.pm-like class or object, as for "
        . "SRS::EPP::Session: \"Event\")" if !defined $o{event};
    croak "$class->new: event '$o{event}' has no io() and timer() methods"
        if !(eval { $o{event}->can('io') && $o{event}->can('timer') });
    croak "$class->new: io is required (the socket, or the Net::SSLeay::OO::SSL over it)"
        if !defined $o{io};
    croak "$class->new: no LibEPP::Server: give server => ..., or call $class->setup(server => ...) "
        . "once at start-up" if !$o{server};
    my $handler = $o{on_request};
    if (!$handler && (my $m = $class->can('handle_request'))) {
        $handler = $m;
    }
    croak "$class->new: no request handler: give on_request => sub { my (\$session, \$req) = \@_; ... }, "
        . "call $class->setup(on_request => ...), or define $class\::handle_request"
        if !$handler;
    croak "$class->new: timeout must be a positive integer"
        if defined $o{timeout} && ($o{timeout} !~ /^\d+\z/ || !$o{timeout});

    # Event.pm hooks Time::HiRes into its clock only in its import(): loaded
    # with `require`, its timers run on whole seconds (a 0.3 s timer set in a
    # callback fires up to a second late). Hook it once, as `use Event` would.
    if ($INC{'Event.pm'} && !$EVENT_HIRES++ && defined &Event::cache_time_api
        && eval { require Time::HiRes; 1 }) {
        Event::cache_time_api();
    }
    my $self = $class->SUPER::new(
        server     => $o{server},
        io         => $o{io},
        on_request => $handler,
        (map { defined $o{$_} ? ($_ => $o{$_}) : () } qw(clock read_size now)),
    );
    $self->{srs} = {
        socket          => $o{socket},
        proxy           => $o{proxy},
        event           => $o{event},
        backend_url     => $o{backend_url},
        peerhost        => $o{peerhost},
        peer_cn         => $o{peer_cn},
        timeout         => $o{timeout} // 300,
        backend_tx_max  => $o{backend_tx_max} // 10,
        connection_id   => $o{connection_id} // sprintf('sep.%x.%.4x', time, $$ & 65535),
        server_id_seq   => 0,
        logger          => $o{logger},
        drain_timeout   => $o{drain_timeout} // 1,
        drain_bytes     => $o{drain_bytes} // 262144,
        unloop_on_close => $o{unloop_on_close} // 1,
        signal_interval => $o{signal_interval} // 3,
        yielding        => {},
        shutting_down   => 0,
        closed          => 0,
        shown_state     => '',
    };
    weaken($self->{srs}{proxy}) if ref $o{proxy};    # as SRS::EPP::Session (weak_ref)
    $self->log_info('session ' . $self->connection_id . ' for ' . ($o{peerhost} // 'an unknown peer')
                    . (defined $o{peer_cn} ? " (cn=$o{peer_cn})" : ''));
    return $self;
}

# ---------------------------------------------------------------------
# SRS::EPP::Session's attributes
# ---------------------------------------------------------------------

sub socket          { $_[0]{srs}{socket} }
sub proxy           { $_[0]{srs}{proxy} }
sub has_proxy       { defined $_[0]{srs}{proxy} ? 1 : 0 }
sub event           { $_[0]{srs}{event} }
sub timeout         { $_[0]{srs}{timeout} }
sub connection_id   { $_[0]{srs}{connection_id} }
sub backend_tx_max  { $_[0]{srs}{backend_tx_max} }
sub yielding        { $_[0]{srs}{yielding} }
sub shutting_down   { $_[0]{srs}{shutting_down} }
sub input_event_watcher  { $_[0]{srs}{input_watcher} }
sub output_event_watcher { $_[0]{srs}{output_watcher} }

sub backend_url { my $s = shift; $s->{srs}{backend_url} = shift if @_; $s->{srs}{backend_url} }
sub peerhost    { my $s = shift; $s->{srs}{peerhost}    = shift if @_; $s->{srs}{peerhost} }
sub peer_cn     { my $s = shift; $s->{srs}{peer_cn}     = shift if @_; $s->{srs}{peer_cn} }

sub openpgp {
    my ($self) = @_;
    my $proxy = $self->proxy;
    return $proxy && blessed($proxy) && $proxy->can('openpgp') ? $proxy->openpgp : undef;
}

sub stalled {
    my ($self) = @_;
    return $self->state_code == EPP_SESSION_STATE_LOGIN_PENDING || $self->{srs}{shutting_down}
        || $self->is_finished ? 1 : 0;
}

sub new_server_id {
    my ($self) = @_;
    my $id = sprintf('%s.%.3d', $self->connection_id, ++$self->{srs}{server_id_seq});
    $self->log_trace("server-generated ID is $id");
    return $id;
}

# ---------------------------------------------------------------------
# Logging (MooseX::Log::Log4perl::Easy's methods)
# ---------------------------------------------------------------------

my @LEVELS = qw(trace debug info warn error fatal);

sub log {
    my ($self) = @_;
    my $l = $self->{srs}{logger};
    return $l if blessed($l);
    if (!defined $l && $INC{'Log/Log4perl.pm'} && eval { Log::Log4perl->initialized }) {
        return Log::Log4perl->get_logger(ref $self);
    }
    return LibEPP::SRS::_Log->new($l);    # a code reference, or nothing
}

for my $level (@LEVELS) {
    no strict 'refs';
    *{"log_$level"} = sub {
        my ($self, @msg) = @_;
        my $l = $self->{srs}{logger};
        if (ref $l eq 'CODE') { $l->($level, join('', @msg), $self); return }
        return if !defined $l && !$INC{'Log/Log4perl.pm'};
        my $log = $self->log;
        $log->$level(join '', @msg);
        return;
    };
}

sub log_packet {
    my ($self, $label, $data) = @_;
    $data //= '';
    $data =~ s{([\0-\037])}{sprintf('\\x%02x', ord $1)}eg;
    my @parts;
    push @parts, substr($data, 0, 1024, '') while length $data;
    @parts = ('') if !@parts;
    for my $i (0 .. $#parts) {
        my $n = @parts > 1 ? ' [' . ($i + 1) . ' of ' . @parts . ']' : '';
        $self->log_info("$label message$n: $parts[$i]");
    }
    return;
}

# ---------------------------------------------------------------------
# The event loop (an Event.pm-like interface: io, timer, unloop_all)
# ---------------------------------------------------------------------

sub _fd {
    my ($self) = @_;
    my $io = $self->io;
    return $io->get_fd if blessed($io) && $io->can('get_fd');    # Net::SSLeay::OO::SSL
    my $fh = $self->socket // $io;
    my $fd = eval { fileno($fh) };
    croak 'LibEPP::SRS: no file descriptor to watch (give socket => ..., or an io with fileno or get_fd)'
        if !defined $fd;
    return $fd;
}

sub connected {
    my ($self) = @_;
    my $ev = $self->event;
    my $fd = $self->_fd;
    $self->log_trace("setting up io event handlers for FD $fd");
    weaken(my $weak = $self);
    $self->{srs}{input_watcher} = $ev->io(
        desc       => 'input_event',
        fd         => $fd,
        poll       => 'r',
        cb         => sub { $weak->_run('input_event') if $weak },
        timeout    => $self->timeout,
        timeout_cb => sub { $weak->_run('input_timeout') if $weak },
    );
    my $w = $ev->io(
        desc => 'output_event',
        fd   => $fd,
        poll => 'w',
        cb   => sub { $weak->_run('output_event') if $weak },
    );
    $w->stop;
    $self->{srs}{output_watcher} = $w;
    my $proxy = $self->proxy;
    if ($proxy && blessed($proxy) && $proxy->can('process_signals') && $self->{srs}{signal_interval}) {
        # SRS-EPP-Proxy's accept loop sets its TERM handler to $session->shutdown
        # and relies on this timer to run it.
        $self->{srs}{signal_timer} = $ev->timer(
            desc     => 'signal_handler_timer',
            after    => $self->{srs}{signal_interval},
            interval => $self->{srs}{signal_interval},
            cb       => sub { $weak->proxy->process_signals if $weak && $weak->proxy },
        );
    }
    $self->log_info('greeting ' . ($self->peerhost // 'the client'));
    $self->SUPER::output_event;    # the greeting libepp queued in new()
    $self->_update;
    return $self->output_length;
}

# Runs an event's method as SRS's yield did: an exception is logged, then
# rethrown to the event loop (Event's $Event::DIED).
sub _run {
    my ($self, $method, @args) = @_;
    return if $self->{srs}{closed} && $method ne '_drain_event' && $method ne '_drain_done';
    $self->log_trace("Calling $method" . (@args ? "(@args)" : ''));
    my $ok = eval { $self->$method(@args); 1 };
    if (!$ok) {
        my $error = $@;
        $self->log_error("Uncaught exception in $method: $error");
        die $error;
    }
    return;
}

sub yield {
    my ($self, $method, @args) = @_;
    croak 'LibEPP::SRS->yield: a method name is required' if !defined $method || ref $method;
    croak "LibEPP::SRS->yield: no method '$method'" if !$self->can($method);
    if (!@args) {
        return if $self->{srs}{yielding}{$method};
        $self->{srs}{yielding}{$method} = 1;
    }
    weaken(my $weak = $self);
    $self->event->timer(
        desc  => $method,
        after => 0,
        cb    => sub {
            return if !$weak;
            delete $weak->{srs}{yielding}{$method} if !@args;
            $weak->_run($method, @args);
        },
    );
    return;
}

# After every event: watchers and the timer follow the session.
sub _update {
    my ($self) = @_;
    my $srs = $self->{srs};
    return if $srs->{closed};
    $self->_log_transactions;
    my $state = $self->state;
    if ($state ne $srs->{shown_state}) {
        $srs->{shown_state} = $state;
        $self->log_debug("state: $state");
        my $proxy = $self->proxy;
        $proxy->show_state($state, $self) if $proxy && blessed($proxy) && $proxy->can('show_state');
    }
    my $pending = $self->output_length;
    if ($self->is_finished && !$pending) {
        $self->log_info('session over: ' . ($self->close_reason_text // 'closed'));
        $self->do_close;
        return;
    }
    if (my $w = $srs->{input_watcher}) {
        $self->wants_input && !$srs->{shutting_down} ? $w->start : $w->stop;
    }
    if (my $w = $srs->{output_watcher}) {
        $pending && !$self->io_error ? $w->start : $w->stop;
    }
    my $at = $self->next_timeout;
    if (($at // -1) != ($srs->{timer_at} // -1)) {
        $srs->{timer}->cancel if $srs->{timer};
        delete @$srs{qw(timer timer_at)};
        if (defined $at) {
            my $after = ($at - $self->_now) / 1000;
            weaken(my $weak = $self);
            $srs->{timer_at} = $at;
            $srs->{timer} = $self->event->timer(
                desc  => 'handle_timeout',
                after => $after > 0 ? $after : 0,
                cb    => sub { $weak->_run('_timeout_event') if $weak },
            );
        }
    }
    return;
}

sub _timeout_event {
    my ($self) = @_;
    delete @{ $self->{srs} }{qw(timer timer_at)};
    $self->handle_timeout;
    $self->yield('process_queue');
    $self->output_event;
    return;
}

sub _log_transactions {
    my ($self) = @_;
    while (my $t = $self->poll_transaction) {
        $self->log_info(sprintf('%s %s: %d (clID %s, clTRID %s, svTRID %s)',
            $self->connection_id, $t->command, $t->result_code, $t->client_id // '-',
            $t->client_transaction_id // '-', $t->server_transaction_id // '-'));
    }
    return;
}

# ---------------------------------------------------------------------
# SRS::EPP::Session's events
# ---------------------------------------------------------------------

sub input_event {
    my ($self, @now) = @_;
    my $got;
    {
        # Read and feed only: requests go to the handler from process_queue,
        # which is yielded (SRS's input_packet yielded it too).
        local $self->{on_request};
        $got = $self->SUPER::input_event(@now);
    }
    $self->log_info('detected EOF on input') if $self->eof_seen && !$self->{srs}{eof_logged}++;
    $self->log_error('input: ' . $self->io_error) if $self->io_error && !$self->{srs}{io_error_logged}++;
    $self->yield('process_queue');
    $self->_update;
    return $got;
}

sub input_packet {
    my ($self, $data, @now) = @_;
    croak 'LibEPP::SRS->input_packet: a packet is required' if !defined $data;
    utf8::encode($data) if utf8::is_utf8($data);
    $self->feed_input(pack('N', length($data) + 4) . $data, @now);
    $self->yield('process_queue');
    $self->_update;
    return;
}

sub process_queue {
    my ($self, $count) = @_;
    $count //= 1;    # SRS::EPP::Session's default
    croak 'LibEPP::SRS->process_queue: count must be a non-negative integer' if $count !~ /^\d+\z/;
    my $n = $self->_dispatch($count);
    # More may be waiting: let other events run first, as SRS did.
    $self->yield('process_queue') if $n && $n == $count;
    $self->SUPER::output_event;
    $self->_update;
    return $self->outstanding;
}

sub _dispatch {
    my ($self, $count) = @_;
    my $handler = $self->{on_request};
    my $n = 0;
    while (!defined $count || $n < $count) {
        my $req = $self->poll_queue or last;
        $n++;
        $self->log_info(sprintf('processing request #%d (%s)%s', $req->id, $req->kind_name,
            defined $req->client_id ? ' of ' . $req->client_id : ''));
        $handler->($self, $req);
    }
    return $n;
}

sub send_pending_replies {
    my ($self) = @_;
    $self->SUPER::output_event;
    # Answers let held input through (a login's, a full pipeline's).
    $self->yield('process_queue');
    $self->_update;
    return $self->output_length;
}

sub output_event {
    my ($self) = @_;
    my $written = $self->SUPER::output_event;
    $self->log_error('output: ' . $self->io_error) if $self->io_error && !$self->{srs}{io_error_logged}++;
    # Written output lets held input through.
    $self->yield('process_queue') if $written;
    $self->_update;
    return $written;
}

sub check_queues {
    my ($self) = @_;
    $self->yield('send_pending_replies') if $self->output_length;
    $self->yield('process_queue') if !$self->stalled || $self->outstanding;
    return;
}

sub shutdown {
    my ($self) = @_;
    return if $self->{srs}{shutting_down} || $self->{srs}{closed};
    $self->log_info('shutting down session');
    $self->{srs}{shutting_down} = 1;
    # No more input: what was read is still answered, then the session ends.
    $self->handle_eof if !$self->is_finished && !$self->eof_seen;
    $self->yield('process_queue');
    $self->yield('output_event');
    $self->_update;
    return;
}

sub input_timeout {
    my ($self) = @_;
    $self->log_info('input timeout');
    $self->shutdown;
    return;
}

sub empty_read {
    my ($self) = @_;
    $self->log_info('detected EOF on input');
    $self->handle_eof if !$self->is_finished && !$self->eof_seen;
    $self->yield('process_queue');
    $self->_update;
    return;
}

# The end: half-close, drain what the client still sends (so that the
# kernel sends no RST over the last responses), then stop the loop.
sub do_close {
    my ($self) = @_;
    my $srs = $self->{srs};
    return if $srs->{closed}++;
    for my $k (qw(input_watcher output_watcher timer signal_timer)) {
        my $w = delete $srs->{$k} or next;
        $w->cancel;
    }
    delete $srs->{timer_at};
    $self->close if !$self->is_finished;
    my $sock = $srs->{socket};
    if (!$sock) {
        my $io = $self->io;    # a socket itself (not an SSL object over one)
        $sock = $io if !(blessed($io) && $io->can('get_fd')) && defined eval { fileno($io) };
    }
    $self->log_debug('shutting down Socket');
    if ($sock && eval { CORE::shutdown($sock, 1) }) {
        weaken(my $weak = $self);
        $srs->{drained} = 0;
        $srs->{drain_fh} = $sock;
        $srs->{drain_watcher} = $self->event->io(
            desc    => 'drain',
            fd      => fileno($sock),
            poll    => 'r',
            cb      => sub { $weak->_run('_drain_event') if $weak },
        );
        $srs->{drain_timer} = $self->event->timer(
            desc  => 'drain_timeout',
            after => $srs->{drain_timeout},
            cb    => sub { $weak->_run('_drain_done') if $weak },
        );
        return;
    }
    $self->_drain_done;
    return;
}

sub _drain_event {
    my ($self) = @_;
    my $srs = $self->{srs};
    local $!;
    my $n = sysread($srs->{drain_fh}, my $buf, 65536);
    return if !defined $n && ($!{EAGAIN} || $!{EWOULDBLOCK} || $!{EINTR});
    $srs->{drained} += $n // 0;
    $self->_drain_done if !$n || $srs->{drained} >= $srs->{drain_bytes};
    return;
}

sub _drain_done {
    my ($self) = @_;
    my $srs = $self->{srs};
    return if $srs->{done}++;
    for my $k (qw(drain_watcher drain_timer)) {
        my $w = delete $srs->{$k} or next;
        $w->cancel;
    }
    delete $srs->{drain_fh};
    $self->log_debug('connection closed');
    $self->event->unloop_all if $srs->{unloop_on_close} && $self->event->can('unloop_all');
    return;
}

sub is_closed { $_[0]{srs}{done} ? 1 : 0 }

package LibEPP::SRS::_Log;

# The logger $session->log returns for a code reference or no logger: the
# methods of a Log::Log4perl logger.
sub new { my ($class, $code) = @_; return bless { code => $code }, $class }

for my $level (qw(trace debug info warn error fatal)) {
    no strict 'refs';
    *{$level} = sub { my ($self, @m) = @_; $self->{code}->($level, join('', @m)) if $self->{code}; return };
    *{"is_$level"} = sub { $_[0]{code} ? 1 : 0 };
}

1;

__END__

=head1 NAME

LibEPP::SRS - SRS::EPP::Session's constructor, event hooks and methods on libepp

=head1 SYNOPSIS

  use LibEPP::Config;
  use LibEPP::Server;
  use LibEPP::SRS;

  # Once, at start-up: the server, and the back end (the request handler).
  LibEPP::SRS->setup(
      server     => LibEPP::Server->new(config => LibEPP::Config->new(
          server_id   => 'Example Registry EPP',
          object_uris => ['urn:ietf:params:xml:ns:domain-1.0'],
      )),
      on_request => sub {
          my ($session, $req) = @_;     # $session->backend_url, ->user, ->peer_cn...
          if ($req->is_login) { $req->answer_login(check($req) ? 'accepted' : 'bad_credentials') }
          elsif ($req->is_poll) { $req->answer_poll_empty }
          elsif ($req->is_command) { $req->answer_command(2101) }
          # an answer given later (a back-end response): then $session->send_pending_replies
      },
      logger => Log::Log4perl->get_logger('epp'),   # optional
  );

  # SRS-EPP-Proxy's accept path, unchanged but for the class name:
  my $session = LibEPP::SRS->new(
      io          => $ssl,
      proxy       => $self,
      socket      => $socket,
      backend_url => $self->backend,
      event       => "Event",
      peerhost    => $peerhost,
      ($self->rfc_compliant_ssl ? (peer_cn => $peer_cn) : ()),
  );
  $session->connected;
  Event::loop(120);

=head1 DESCRIPTION

A L<LibEPP::Session> that takes L<SRS::EPP::Session>'s constructor options
and drives itself from an L<Event>-like event loop as SRS::EPP::Session
did: C<connected> sets up the input and output watchers on the socket and
SRS-EPP-Proxy's signal timer, C<yield> queues a method for the loop, and
the end of the session half-closes the socket, drains it and calls
C<unloop_all>. libepp is the state machine (framing, parsing, greeting,
login state, hello, logout, protocol errors, response order, timeouts);
the host's C<on_request> handler is the back end.

C<perl/README.md> maps every method and option of SRS::EPP::Session to
this class.

=head1 METHODS

=head2 LibEPP::SRS->setup(%options)

Class method, once at start-up: the defaults of C<new> for this class and
its subclasses, so that the accept path need not pass them: C<server> (a
L<LibEPP::Server>), C<on_request>, C<logger>, C<clock>, C<read_size>,
C<timeout>, C<drain_timeout>, C<drain_bytes>, C<unloop_on_close>,
C<signal_interval>. A subclass's own setup wins over its parent's. Returns
the class.

=head2 LibEPP::SRS->new(%options)

SRS::EPP::Session's options:

=over

=item io

Required: what to read and write, a socket (C<sysread>/C<syswrite>) or a
Net::SSLeay::OO::SSL (C<read>/C<write>, C<get_fd>).

=item event

Required: an Event.pm-like class or object (C<"Event">, as SRS-EPP-Proxy
passes), used for C<io>, C<timer> and C<unloop_all>. When Event.pm is
loaded, the first C<new> hooks Time::HiRes into its clock
(C<Event::cache_time_api>, which only C<use Event> does otherwise: after a
plain C<require Event> its timers run on whole seconds).

=item socket

The socket under C<io>: its descriptor is watched (unless C<io> has
C<get_fd>), and it is half-closed and drained at the end.

=item proxy

Kept (a weak reference, as SRS did): C<show_state($state, $session)> is
called on each state change and C<process_signals> every
C<signal_interval> seconds (3) when the proxy has them; C<openpgp>
delegates to it.

=item backend_url

Kept for the handler (C<< $session->backend_url >>): libepp does not talk
to SRS's back end, the handler does.

=item peerhost, peer_cn

Kept (read and write), logged, for the handler.

=item timeout

The input watcher's timeout in seconds (300, as SRS): C<input_timeout>
then shuts the session down. libepp's own login deadline and idle timeout
(C<LibEPP::Config>) run beside it.

=item connection_id, backend_tx_max

Kept (C<connection_id> prefixes C<new_server_id>).

=back

And libepp's: C<server>, C<on_request> (C<< ($session, $req) >>; else the
class's C<handle_request> method), C<logger> (a Log::Log4perl-like object,
or C<< sub { my ($level, $message, $session) = @_ } >>; without one,
Log::Log4perl's logger for the class when Log::Log4perl is initialised,
else nothing), C<clock>, C<read_size>, C<now>, C<drain_timeout> (1 s),
C<drain_bytes> (256 KiB), C<unloop_on_close> (1: C<unloop_all> at the
end, as SRS), C<signal_interval> (3). Unknown options croak, and so do
SRS::EPP::Session's internal attributes (C<user>, C<state>,
C<output_queue>, ...), which libepp keeps.

=head2 connected

Sets up the input watcher (C<desc> C<input_event>, with C<timeout> and
C<timeout_cb>), the output watcher (C<output_event>, stopped), the signal
timer, and writes the greeting. Returns the bytes still pending.

=head2 input_event

The input watcher's callback: reads once while libepp wants input, feeds
every byte, passes the end of file, yields C<process_queue>, writes.
Returns false when the bytes completed no frame, as SRS's did.

=head2 input_packet($xml)

Feeds one de-framed packet (the 4-byte header is added) and yields
C<process_queue>.

=head2 process_queue([$count])

Hands up to C<$count> requests (default B<1>, as SRS) to the handler,
yields itself again when there may be more, writes. Returns the number of
requests still unanswered.

=head2 send_pending_replies

Call after answering a request outside the handler (a back-end response
arriving later): writes, yields C<process_queue> (the answer may let held
input through). Returns the bytes still pending.

=head2 output_event

The output watcher's callback: writes what it can; the watcher runs only
while output is pending. Returns the bytes written.

=head2 yield($method, @args)

Queues C<< $session->$method(@args) >> on the event loop (a timer with
C<after =E<gt> 0>, C<desc> the method's name); without arguments, at
most once until it has run. An exception is logged and rethrown to the
loop.

=head2 check_queues

Yields C<send_pending_replies> and C<process_queue> when there is work.

=head2 shutdown

Takes no more input: what was read is still answered, then the session
ends (the proxy's SIGTERM handler calls it).

=head2 input_timeout

The input watcher's timeout: C<shutdown>.

=head2 empty_read

The end of file: passed to libepp (what was read is still answered).

=head2 do_close

Cancels the watchers, half-closes the socket, drains it for up to
C<drain_timeout> seconds or C<drain_bytes> (or until the client's end of
file), then C<unloop_all>. Called by the session itself once it is over
and its output written.

=head2 is_closed

True once C<do_close> has finished (the drain included).

=head2 state, user

SRS's strings (C<Waiting for Client Authentication>, C<Processing
E<lt>loginE<gt>>, C<Waiting for Command>, C<Processing Command>,
C<Shutting down>, C<End>) and the logged-in clID, from libepp (see
L<LibEPP::Session>).

=head2 stalled

True while libepp holds input behind a login, once shutting down, and at
the end.

=head2 new_server_id

C<connection_id>.C<sequence>, for ids the host makes itself (libepp makes
the svTRIDs of its responses).

=head2 socket, proxy, has_proxy, event, timeout, connection_id, backend_tx_max, yielding, shutting_down, input_event_watcher, output_event_watcher

The options and watchers, read only.

=head2 backend_url, peerhost, peer_cn

Read and write.

=head2 openpgp

The proxy's C<openpgp>, or C<undef>.

=head2 log

The logger: the C<logger> object, Log::Log4perl's, or one whose methods
call the C<logger> code reference (or do nothing).

=head2 log_trace, log_debug, log_info, log_warn, log_error, log_fatal

MooseX::Log::Log4perl::Easy's methods, on C<log>.

=head2 log_packet($label, $data)

Logs C<$data> at info level, control characters escaped, in parts of 1024
characters, as SRS did.

=head1 SEE ALSO

L<LibEPP::Session>, C<perl/README.md> (the SRS::EPP::Session mapping),
C<t/46-srs-accept.t> (an SRS-style accept loop run with this class).

=cut
