package LibEPP::RegistrarSessions;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use LibEPP ();

sub new {
    my ($class, $max) = @_;
    croak "LibEPP::RegistrarSessions->new: the maximum per registrar must be a non-negative integer"
        if !defined $max || ref $max || $max !~ /^\d+\z/;
    my $h;
    LibEPP::_check(LibEPP::FFI::epp_registrar_sessions_new($max, \$h), 'epp_registrar_sessions_new');
    return bless { h => $h }, $class;
}

sub _handle { $_[0]{h} }

sub count {
    my ($self, $client_id) = @_;
    croak "LibEPP::RegistrarSessions->count: a client id is required" if !defined $client_id;
    my $n = 0;
    LibEPP::_check(LibEPP::FFI::epp_registrar_sessions_count($self->{h}, LibEPP::_in($client_id), \$n),
                   'epp_registrar_sessions_count');
    return $n;
}

sub max_per_client {
    my ($self) = @_;
    my $n = 0;
    LibEPP::_check(LibEPP::FFI::epp_registrar_sessions_get_max_per_client($self->{h}, \$n),
                   'epp_registrar_sessions_get_max_per_client');
    return $n;
}

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_registrar_sessions_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::RegistrarSessions - a per-registrar session counter (2502 past a limit)

=head1 SYNOPSIS

  my $counter = LibEPP::RegistrarSessions->new(4);
  my $server  = LibEPP::Server->new(config => $config, registrar_sessions => $counter);
  printf "%d sessions\n", $counter->count('registrar1');

=head1 DESCRIPTION

Counts logged-in sessions per clID across every session of the servers it
is given to (L<LibEPP::Server/new>; several servers may share one); the
login that would pass the limit is answered 2502 and its session closes.
Servers keep their own reference inside libepp. Thread-safe in libepp.

=head1 METHODS

=head2 LibEPP::RegistrarSessions->new($max_per_client)

A counter allowing C<$max_per_client> concurrent logged-in sessions per
clID (C<epp_registrar_sessions_new>). 0 refuses every login with 2502.

=head2 count($client_id)

How many logged-in sessions the registrar has now
(C<epp_registrar_sessions_count>).

=head2 max_per_client

The limit the counter was made with
(C<epp_registrar_sessions_get_max_per_client>).

=cut
