package LibEPP::Config;

use strict;
use warnings;

our $VERSION = '0.1.0';

use Carp qw(croak);
use Scalar::Util qw(blessed);
use LibEPP qw(:limit :dcp);
use LibEPP::RegistrarSessions;

my %LIMIT = (
    max_frame_size     => EPP_LIMIT_MAX_FRAME_SIZE,
    max_in_flight      => EPP_LIMIT_MAX_IN_FLIGHT,
    max_pending_output => EPP_LIMIT_MAX_PENDING_OUTPUT,
    max_failed_logins  => EPP_LIMIT_MAX_FAILED_LOGINS,
    login_deadline_ms  => EPP_LIMIT_LOGIN_DEADLINE_MS,
    idle_timeout_ms    => EPP_LIMIT_IDLE_TIMEOUT_MS,
    max_xml_depth      => EPP_LIMIT_MAX_XML_DEPTH,
    max_xml_attributes => EPP_LIMIT_MAX_XML_ATTRIBUTES,
    max_xml_text       => EPP_LIMIT_MAX_XML_TEXT,
);
my %ACCESS = (
    all                => EPP_DCP_ACCESS_ALL,
    none               => EPP_DCP_ACCESS_NONE,
    null               => EPP_DCP_ACCESS_NULL,
    other              => EPP_DCP_ACCESS_OTHER,
    personal           => EPP_DCP_ACCESS_PERSONAL,
    personal_and_other => EPP_DCP_ACCESS_PERSONAL_AND_OTHER,
);
my %PURPOSE = (
    admin   => EPP_DCP_PURPOSE_ADMIN,
    contact => EPP_DCP_PURPOSE_CONTACT,
    other   => EPP_DCP_PURPOSE_OTHER,
    prov    => EPP_DCP_PURPOSE_PROV,
);
my %RECIPIENT = (
    other     => EPP_DCP_RECIPIENT_OTHER,
    ours      => EPP_DCP_RECIPIENT_OURS,
    public    => EPP_DCP_RECIPIENT_PUBLIC,
    same      => EPP_DCP_RECIPIENT_SAME,
    unrelated => EPP_DCP_RECIPIENT_UNRELATED,
);
my %RETENTION = (
    business   => EPP_DCP_RETENTION_BUSINESS,
    indefinite => EPP_DCP_RETENTION_INDEFINITE,
    legal      => EPP_DCP_RETENTION_LEGAL,
    none       => EPP_DCP_RETENTION_NONE,
    stated     => EPP_DCP_RETENTION_STATED,
);
my %KNOWN = map { $_ => 1 } qw(
    server_id versions languages object_uris extension_uris limits
    dcp_access dcp_statements dcp_expiry_absolute dcp_expiry_relative
    registrar_sessions max_sessions_per_registrar
    sv_trid_prefix sv_trid_epoch transaction_log
);

# A list argument: an array reference or one scalar.
sub _list {
    my ($v, $what) = @_;
    return () if !defined $v;
    return @$v if ref $v eq 'ARRAY';
    croak "LibEPP::Config: $what must be an array reference or a string" if ref $v;
    return ($v);
}

# A set of flags from names (or numbers): [qw(admin prov)], 'admin', 9.
sub _flags {
    my ($v, $map, $what) = @_;
    my $bits = 0;
    for my $item (_list($v, $what)) {
        if ($item =~ /^\d+$/) {
            $bits |= $item;
        } else {
            my $bit = $map->{$item}
                // croak "LibEPP::Config: unknown $what '$item' (one of: "
                        . join(', ', sort keys %$map) . ")";
            $bits |= $bit;
        }
    }
    return $bits;
}

sub _enum {
    my ($v, $map, $what) = @_;
    return $v if $v =~ /^\d+$/;
    return $map->{$v}
        // croak "LibEPP::Config: unknown $what '$v' (one of: " . join(', ', sort keys %$map) . ")";
}

sub new {
    my ($class, %args) = @_;
    for my $k (sort keys %args) {
        croak "LibEPP::Config: unknown option '$k'" if !$KNOWN{$k};
    }
    croak "LibEPP::Config: server_id is required" if !defined $args{server_id};

    my $b;
    LibEPP::_check(LibEPP::FFI::epp_config_builder_new(LibEPP::_in($args{server_id}), \$b),
                   'epp_config_builder_new');
    my $self = eval { $class->_build($b, \%args) };
    my $err = $@;
    LibEPP::FFI::epp_config_builder_free($b);
    die $err if !$self;
    return $self;
}

sub _build {
    my ($class, $b, $args) = @_;
    my $call = sub {
        my ($fn, @a) = @_;
        no strict 'refs';
        my $rc = &{"LibEPP::FFI::$fn"}($b, @a);
        LibEPP::_check($rc, $fn) if $rc;
    };
    $call->('epp_config_builder_add_version', LibEPP::_in($_)) for _list($args->{versions}, 'versions');
    $call->('epp_config_builder_add_language', LibEPP::_in($_)) for _list($args->{languages}, 'languages');
    $call->('epp_config_builder_add_object_uri', LibEPP::_in($_))
        for _list($args->{object_uris}, 'object_uris');
    $call->('epp_config_builder_add_extension_uri', LibEPP::_in($_))
        for _list($args->{extension_uris}, 'extension_uris');

    if (defined(my $limits = $args->{limits})) {
        croak "LibEPP::Config: limits must be a hash reference" if ref $limits ne 'HASH';
        for my $name (sort keys %$limits) {
            my $which = $LIMIT{$name}
                // croak "LibEPP::Config: unknown limit '$name' (one of: " . join(', ', sort keys %LIMIT) . ")";
            my $value = $limits->{$name};
            croak "LibEPP::Config: limit $name must be a non-negative integer"
                if !defined $value || $value !~ /^\d+$/;
            $call->('epp_config_builder_set_limit', $which, $value);
        }
    }

    $call->('epp_config_builder_set_dcp_access', _enum($args->{dcp_access}, \%ACCESS, 'dcp_access'))
        if defined $args->{dcp_access};
    if (defined(my $st = $args->{dcp_statements})) {
        croak "LibEPP::Config: dcp_statements must be an array reference of hash references"
            if ref $st ne 'ARRAY' || grep { ref $_ ne 'HASH' } @$st;
        for my $s (@$st) {
            $call->('epp_config_builder_add_dcp_statement',
                    _flags($s->{purposes}, \%PURPOSE, 'DCP purpose'),
                    _flags($s->{recipients}, \%RECIPIENT, 'DCP recipient'),
                    _enum($s->{retention} // 'stated', \%RETENTION, 'DCP retention'));
            $call->('epp_config_builder_add_dcp_ours_description', LibEPP::_in($_))
                for _list($s->{ours_descriptions}, 'ours_descriptions');
        }
    }
    $call->('epp_config_builder_set_dcp_expiry_absolute', $args->{dcp_expiry_absolute})
        if defined $args->{dcp_expiry_absolute};
    $call->('epp_config_builder_set_dcp_expiry_relative', $args->{dcp_expiry_relative})
        if defined $args->{dcp_expiry_relative};

    my $counter = $args->{registrar_sessions};
    if (defined $args->{max_sessions_per_registrar}) {
        croak "LibEPP::Config: give registrar_sessions or max_sessions_per_registrar, not both"
            if defined $counter;
        $counter = LibEPP::RegistrarSessions->new($args->{max_sessions_per_registrar});
    }
    if (defined $counter) {
        croak "LibEPP::Config: registrar_sessions must be a LibEPP::RegistrarSessions"
            if !blessed($counter) || !$counter->isa('LibEPP::RegistrarSessions');
        $call->('epp_config_builder_set_registrar_sessions', $counter->_handle);
    }

    $call->('epp_config_builder_set_sv_trid_prefix', LibEPP::_in($args->{sv_trid_prefix}))
        if defined $args->{sv_trid_prefix};
    $call->('epp_config_builder_set_sv_trid_epoch', $args->{sv_trid_epoch})
        if defined $args->{sv_trid_epoch};
    $call->('epp_config_builder_set_transaction_log', $args->{transaction_log} ? 1 : 0)
        if defined $args->{transaction_log};

    my $config;
    my $rc = LibEPP::FFI::epp_config_builder_build($b, \$config);
    if ($rc) {
        my ($p, $n);
        my $detail = LibEPP::FFI::epp_config_builder_get_last_error($b, \$p, \$n) == 0
            ? LibEPP::_out($p, $n) : undef;
        LibEPP::_check($rc, 'epp_config_builder_build', $detail);
    }
    return bless {
        h                  => $config,
        server_id          => $args->{server_id},
        object_uris        => [_list($args->{object_uris}, 'object_uris')],
        extension_uris     => [_list($args->{extension_uris}, 'extension_uris')],
        registrar_sessions => $counter,
    }, $class;
}

sub _handle { $_[0]{h} }

sub server_id          { $_[0]{server_id} }
sub object_uris        { @{$_[0]{object_uris}} }
sub extension_uris     { @{$_[0]{extension_uris}} }
sub registrar_sessions { $_[0]{registrar_sessions} }

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_config_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::Config - a validated libepp server configuration

=head1 SYNOPSIS

  use LibEPP::Config;

  my $config = LibEPP::Config->new(
      server_id      => 'Example Registry EPP',
      object_uris    => [qw(urn:ietf:params:xml:ns:domain-1.0 urn:ietf:params:xml:ns:contact-1.0)],
      extension_uris => ['urn:ietf:params:xml:ns:secDNS-1.1'],
      limits         => { idle_timeout_ms => 300_000, max_failed_logins => 3 },
      sv_trid_prefix => 'EX',
      transaction_log => 1,
      max_sessions_per_registrar => 4,
  );

=head1 DESCRIPTION

A server configuration: what the greeting offers (svID, versions,
languages, object and extension URIs, data collection policy), the limits,
the svTRID scheme and the optional per-registrar session counter. It is
validated once, by libepp, and is immutable afterwards; every
L<LibEPP::Session> of a server is made from one. Sessions keep their own
reference to it inside libepp, so the Perl object may go away before them.

=head1 METHODS

=head2 LibEPP::Config->new(%options)

Builds a configuration (C<epp_config_builder_new>, the setters,
C<epp_config_builder_build>). Options:

=over

=item server_id (required)

The svID, 3 to 64 characters.

=item object_uris (required)

An array reference of object URIs (C<< <objURI> >>), at least one, at most 64.

=item extension_uris

An array reference of extension URIs (C<< <extURI> >>), at most 64.

=item versions

Protocol versions offered (default C<["1.0"]>, the only one there is).

=item languages

Languages offered, RFC 5646 tags (default C<["en"]>).

=item limits

A hash reference of limits: C<max_frame_size> (bytes, header included,
default 262144), C<max_in_flight> (commands read but not answered, default
32), C<max_pending_output> (bytes, default 1048576), C<max_failed_logins>
(default 3), C<login_deadline_ms> (default 60000), C<idle_timeout_ms>
(default 600000), C<max_xml_depth> (64), C<max_xml_attributes> (32),
C<max_xml_text> (65536).

=item dcp_access

The DCP C<< <access> >>: C<all> (default), C<none>, C<null>, C<other>,
C<personal>, C<personal_and_other> (or an C<EPP_DCP_ACCESS_*> value).

=item dcp_statements

An array reference of statements replacing the default one, each a hash
reference: C<purposes> (names among C<admin contact other prov>),
C<recipients> (names among C<other ours public same unrelated>),
C<retention> (C<business indefinite legal none stated>, default
C<stated>), and C<ours_descriptions> (texts of C<< <ours><recDesc> >>
recipients).

=item dcp_expiry_absolute, dcp_expiry_relative

The DCP C<< <expiry> >>: an absolute time in Unix milliseconds, or a
duration in milliseconds after the greeting.

=item registrar_sessions, max_sessions_per_registrar

A L<LibEPP::RegistrarSessions> shared with other configs, or a number from
which a counter of this config's own is made: logins past that many
concurrent sessions of one clID are answered 2502.

=item sv_trid_prefix, sv_trid_epoch

The svTRID prefix (1 to 20 of C<A-Z a-z 0-9 . _ ->) and epoch (a number
that differs between runs of the server; default the time of the first
session).

=item transaction_log

True to keep a record of every response for
L<LibEPP::Session/poll_transaction>.

=back

An unknown option or a malformed value croaks. A configuration that
libepp refuses throws a L<LibEPP::Error> with code
C<EPP_RESULT_INVALID_CONFIG> whose detail says which setting and why
(C<epp_config_builder_get_last_error>), for example

  libepp: epp_config_builder_build: the configuration is invalid: ...

=head2 server_id, object_uris, extension_uris

The values the configuration was made with (the URIs as lists).

=head2 registrar_sessions

The L<LibEPP::RegistrarSessions> attached, or C<undef>.

=cut
