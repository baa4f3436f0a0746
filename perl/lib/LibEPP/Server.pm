package LibEPP::Server;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use Scalar::Util qw(blessed);
use LibEPP ();
use LibEPP::Config;
use LibEPP::RegistrarSessions;

my %KNOWN = map { $_ => 1 } qw(config now registrar_sessions max_sessions_per_registrar);

sub new {
    my $class = shift;
    my %a = @_ == 1 ? (config => $_[0]) : @_;
    for my $k (sort keys %a) {
        croak "LibEPP::Server->new: unknown option '$k'" if !$KNOWN{$k};
    }
    croak "LibEPP::Server->new: config must be a LibEPP::Config"
        if !blessed($a{config}) || !$a{config}->isa('LibEPP::Config');
    croak "LibEPP::Server->new: now must be Unix milliseconds (a non-negative integer)"
        if defined $a{now} && (ref $a{now} || $a{now} !~ /^\d+\z/);
    my $counter = $a{registrar_sessions};
    if (defined $a{max_sessions_per_registrar}) {
        croak "LibEPP::Server->new: give registrar_sessions or max_sessions_per_registrar, not both"
            if defined $counter;
        $counter = LibEPP::RegistrarSessions->new($a{max_sessions_per_registrar});
    }
    croak "LibEPP::Server->new: registrar_sessions must be a LibEPP::RegistrarSessions"
        if defined $counter && (!blessed($counter) || !$counter->isa('LibEPP::RegistrarSessions'));
    my $h;
    LibEPP::_check(LibEPP::FFI::epp_server_new($a{config}->_handle, $a{now} // LibEPP::now_ms(),
                                               $counter ? $counter->_handle : undef, \$h),
                   'epp_server_new');
    return bless { h => $h, config => $a{config}, registrar_sessions => $counter }, $class;
}

sub _handle { $_[0]{h} }

sub config             { $_[0]{config} }
sub registrar_sessions { $_[0]{registrar_sessions} }

sub new_session {
    my ($self, %args) = @_;
    require LibEPP::Session;
    return LibEPP::Session->new(%args, server => $self);
}

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_server_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::Server - one running EPP server: what its sessions share

=head1 SYNOPSIS

  use LibEPP::Config;
  use LibEPP::Server;

  my $config = LibEPP::Config->new(server_id => 'Example Registry EPP',
                                   object_uris => ['urn:ietf:params:xml:ns:domain-1.0']);
  my $server = LibEPP::Server->new(
      config             => $config,
      registrar_sessions => LibEPP::RegistrarSessions->new(4),   # optional: 2502 past 4
  );

  # Per connection:
  my $session = LibEPP::Session->new(server => $server);        # greeting queued
  my $same    = $server->new_session;                            # the same

=head1 DESCRIPTION

A server runs one L<LibEPP::Config> and holds what its sessions share: the
svTRID generator (svTRIDs are unique across all of them) and the optional
per-registrar session counter (L<LibEPP::RegistrarSessions>). Make one per
listening server, at start-up (C<epp_server_new>), and every
L<LibEPP::Session> from it. Sessions keep their own reference inside
libepp, so the Perl object may go away before them; libepp lets any
number of threads use one server at once.

=head1 METHODS

=head2 LibEPP::Server->new(%args)

=head2 LibEPP::Server->new($config)

Starts a server. Arguments:

=over

=item config (required)

The L<LibEPP::Config>.

=item now

The start time in Unix milliseconds (default: the wall clock). The
default svTRID epoch derives from it (the config's C<sv_trid_epoch>
overrides it).

=item registrar_sessions

A L<LibEPP::RegistrarSessions> (possibly shared with other servers): a
login past its limit for one clID is answered 2502 and the session closes.
Default: none, no limit.

=item max_sessions_per_registrar

Instead of C<registrar_sessions>: the limit of a counter of this server's
own.

=back

=head2 config

The L<LibEPP::Config> it runs.

=head2 registrar_sessions

The L<LibEPP::RegistrarSessions> given (or made), or C<undef>.

=head2 new_session(%args)

C<< LibEPP::Session->new(server => $server, %args) >>.

=cut
