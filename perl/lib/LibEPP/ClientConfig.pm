package LibEPP::ClientConfig;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use LibEPP qw(:client);

my %KNOWN = map { $_ => 1 } qw(
    client_id password new_password lang object_uris extension_uris max_in_flight
    keep_alive_ms response_deadline_ms cl_trid_prefix max_frame_size
);

# The names of the options LibEPP::Client->new takes for its configuration.
sub _options { return keys %KNOWN }

sub _uint {
    my ($v, $what) = @_;
    croak "LibEPP::ClientConfig: $what must be a non-negative integer"
        if !defined $v || ref $v || $v !~ /^\d+\z/;
    return $v;
}

# A list of services: URIs, or { uri => ..., required => 1 } hashes.
sub _services {
    my ($v, $what) = @_;
    return () if !defined $v;
    my @items = ref $v eq 'ARRAY' ? @$v
              : ref $v ? croak("LibEPP::ClientConfig: $what must be an array reference or a string")
              : ($v);
    my @out;
    for my $item (@items) {
        if (ref $item eq 'HASH') {
            for my $k (sort keys %$item) {
                croak "LibEPP::ClientConfig: unknown $what key '$k' (one of: required, uri)"
                    if $k ne 'uri' && $k ne 'required';
            }
            croak "LibEPP::ClientConfig: a $what item needs a uri" if !defined $item->{uri};
            push @out, [$item->{uri}, $item->{required} ? 1 : 0];
        } elsif (!ref $item && defined $item) {
            push @out, [$item, 0];
        } else {
            croak "LibEPP::ClientConfig: $what items are URIs or { uri => ..., required => 1 }";
        }
    }
    return @out;
}

sub new {
    my ($class, %args) = @_;
    for my $k (sort keys %args) {
        croak "LibEPP::ClientConfig: unknown option '$k'" if !$KNOWN{$k};
    }
    croak "LibEPP::ClientConfig: client_id is required" if !defined $args{client_id};
    croak "LibEPP::ClientConfig: password is required" if !defined $args{password};

    my $b;
    LibEPP::_check(LibEPP::FFI::epp_client_config_builder_new(
                       LibEPP::_in($args{client_id}), LibEPP::_in($args{password}), \$b),
                   'epp_client_config_builder_new');
    my $self = eval { $class->_build($b, \%args) };
    my $err = $@;
    LibEPP::FFI::epp_client_config_builder_free($b);
    die $err if !$self;
    return $self;
}

sub _build {
    my ($class, $b, $args) = @_;
    my $call = sub {
        my ($fn, @a) = @_;
        no strict 'refs';
        LibEPP::_check(&{"LibEPP::FFI::$fn"}($b, @a), $fn);
    };
    $call->('epp_client_config_builder_set_new_password', LibEPP::_in($args->{new_password}))
        if defined $args->{new_password};
    $call->('epp_client_config_builder_set_lang', LibEPP::_in($args->{lang})) if defined $args->{lang};
    for my $s (_services($args->{object_uris}, 'object_uris')) {
        $call->('epp_client_config_builder_add_object_uri', LibEPP::_in($s->[0]), $s->[1]);
    }
    for my $s (_services($args->{extension_uris}, 'extension_uris')) {
        $call->('epp_client_config_builder_add_extension_uri', LibEPP::_in($s->[0]), $s->[1]);
    }
    $call->('epp_client_config_builder_set_max_in_flight', _uint($args->{max_in_flight}, 'max_in_flight'))
        if defined $args->{max_in_flight};
    if (exists $args->{keep_alive_ms}) {
        my $k = $args->{keep_alive_ms};
        $k = EPP_KEEP_ALIVE_NEVER if !defined $k || $k eq 'never';
        $call->('epp_client_config_builder_set_keep_alive_ms', _uint($k, 'keep_alive_ms'));
    }
    $call->('epp_client_config_builder_set_response_deadline_ms',
            _uint($args->{response_deadline_ms}, 'response_deadline_ms'))
        if defined $args->{response_deadline_ms};
    $call->('epp_client_config_builder_set_cl_trid_prefix', LibEPP::_in($args->{cl_trid_prefix}))
        if defined $args->{cl_trid_prefix};
    if (defined $args->{max_frame_size}) {
        my $n = _uint($args->{max_frame_size}, 'max_frame_size');
        croak "LibEPP::ClientConfig: max_frame_size must be below 2**32" if $n > 0xFFFF_FFFF;
        $call->('epp_client_config_builder_set_max_frame_size', $n);
    }
    my $h;
    my $rc = LibEPP::FFI::epp_client_config_builder_build($b, \$h);
    if ($rc) {
        my ($p, $n);
        LibEPP::FFI::epp_client_config_builder_get_last_error($b, \$p, \$n);
        LibEPP::_check($rc, 'epp_client_config_builder_build', LibEPP::_out($p, $n));
    }
    return bless {
        h              => $h,
        client_id      => $args->{client_id},
        cl_trid_prefix => $args->{cl_trid_prefix} // "$args->{client_id}-",
    }, $class;
}

sub client_id      { $_[0]{client_id} }
sub cl_trid_prefix { $_[0]{cl_trid_prefix} }

sub _handle { $_[0]{h} }

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_client_config_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::ClientConfig - a validated, immutable configuration of the EPP client engine

=head1 SYNOPSIS

  use LibEPP::ClientConfig;
  use LibEPP::Client;

  my $config = LibEPP::ClientConfig->new(
      client_id      => 'ClientX',
      password       => 'foo-BAR2',
      object_uris    => [{ uri => 'urn:ietf:params:xml:ns:domain-1.0', required => 1 },
                         'urn:ietf:params:xml:ns:contact-1.0'],
      extension_uris => ['urn:ietf:params:xml:ns:secDNS-1.1'],
      max_in_flight  => 4,
  );
  my $client = LibEPP::Client->new(config => $config);    # one per connection

=head1 DESCRIPTION

The credentials, wanted services and limits of a registrar's EPP client
(C<epp_client_config>), checked once by libepp and shared by any number
of L<LibEPP::Client> sessions (each keeps its own reference). It is
immutable and may be shared between threads.

=head1 CONSTRUCTOR

=head2 LibEPP::ClientConfig->new(%options)

Throws a L<LibEPP::Error> (C<LibEPP::Error::InvalidConfig>, whose detail
says which option and why) when libepp refuses the configuration, and
croaks for an unknown option.

=over

=item client_id (required)

The clID: 3 to 16 characters.

=item password (required)

At least 6 characters; more than 16 only where the server offers RFC 8807
login security (then it goes in C<< <loginSec:pw> >>).

=item new_password

A new password for the login (C<< <newPW> >>), in force once a login is
answered 1000.

=item lang

The response language (C<< <options><lang> >>, default C<en>); the greeting
must offer it.

=item object_uris, extension_uris

The wanted services, in order: an array of URIs, each a string (used when
the greeting offers it) or C<< { uri => $uri, required => 1 } >> (a login
to a server that does not offer it is refused). At least one objURI.

=item max_in_flight

Commands written and unanswered at once (default 1); the others wait in
order.

=item keep_alive_ms

Idle time after which a logged-in session sends a C<< <hello> >> of its own
(default 300000); C<'never'> (or C<undef>) for never.

=item response_deadline_ms

How long the server may take to answer (default 60000).

=item cl_trid_prefix

The prefix of generated clTRIDs (default the clID and C<->), followed by a
sequence number from 1.

=item max_frame_size

The largest frame accepted from the server, header included (default
16777216; at least 1024).

=back

=head1 METHODS

=head2 client_id

The clID.

=head2 cl_trid_prefix

The prefix of generated clTRIDs.

=head1 SEE ALSO

L<LibEPP::Client>, L<LibEPP>, C<docs/client.md> and C<docs/c-api.md> of
libepp.

=cut
