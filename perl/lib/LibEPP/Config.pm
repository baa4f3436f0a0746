package LibEPP::Config;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use LibEPP qw(:limit :dcp);

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
    max_buffered_input => EPP_LIMIT_MAX_BUFFERED_INPUT,
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
    sv_trid_prefix sv_trid_epoch transaction_log unhandled_namespaces login_security
);

# RFC 8807's password bounds when login_security gives none: the schema's
# minimum, and the Rust API's default maximum.
my %LOGIN_SECURITY_DEFAULT = (min_password_len => 6, max_password_len => 128);

# The login_security option: a hash reference of bounds (each optional), or
# a true scalar for the defaults; undef or false: not offered.
sub _login_security {
    my ($v) = @_;
    return undef if !$v;
    my %ls = %LOGIN_SECURITY_DEFAULT;
    if (ref $v eq 'HASH') {
        for my $k (sort keys %$v) {
            croak "LibEPP::Config: unknown login_security key '$k' (one of: "
                . join(', ', sort keys %LOGIN_SECURITY_DEFAULT) . ")" if !exists $ls{$k};
            $ls{$k} = _uint($v->{$k}, "login_security $k");
        }
    } elsif (ref $v) {
        croak "LibEPP::Config: login_security must be a hash reference or a true value";
    }
    return \%ls;
}

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

sub _uint {
    my ($v, $what) = @_;
    croak "LibEPP::Config: $what must be a non-negative integer" if ref $v || $v !~ /^\d+\z/;
    return $v;
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
        croak "LibEPP::Config: $k belongs to the server: LibEPP::Server->new(config => \$config, $k => ...)"
            if $k eq 'registrar_sessions' || $k eq 'max_sessions_per_registrar';
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
                if !defined $value || ref $value || $value !~ /^\d+\z/;
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
    $call->('epp_config_builder_set_dcp_expiry_absolute', _uint($args->{dcp_expiry_absolute}, 'dcp_expiry_absolute'))
        if defined $args->{dcp_expiry_absolute};
    $call->('epp_config_builder_set_dcp_expiry_relative', _uint($args->{dcp_expiry_relative}, 'dcp_expiry_relative'))
        if defined $args->{dcp_expiry_relative};

    $call->('epp_config_builder_set_sv_trid_prefix', LibEPP::_in($args->{sv_trid_prefix}))
        if defined $args->{sv_trid_prefix};
    $call->('epp_config_builder_set_sv_trid_epoch', _uint($args->{sv_trid_epoch}, 'sv_trid_epoch'))
        if defined $args->{sv_trid_epoch};
    $call->('epp_config_builder_set_transaction_log', $args->{transaction_log} ? 1 : 0)
        if defined $args->{transaction_log};
    $call->('epp_config_builder_set_unhandled_namespaces', $args->{unhandled_namespaces} ? 1 : 0)
        if defined $args->{unhandled_namespaces};
    my $login_security = _login_security($args->{login_security});
    $call->('epp_config_builder_set_login_security', @$login_security{qw(min_password_len max_password_len)})
        if $login_security;

    my $config;
    my $rc = LibEPP::FFI::epp_config_builder_build($b, \$config);
    if ($rc) {
        my ($p, $n);
        my $detail = LibEPP::FFI::epp_config_builder_get_last_error($b, \$p, \$n) == 0
            ? LibEPP::_out($p, $n) : undef;
        LibEPP::_check($rc, 'epp_config_builder_build', $detail);
    }
    return bless {
        h               => $config,
        server_id       => $args->{server_id},
        object_uris     => [_list($args->{object_uris}, 'object_uris')],
        extension_uris  => [_list($args->{extension_uris}, 'extension_uris')],
        transaction_log => $args->{transaction_log} ? 1 : 0,
        unhandled_namespaces => $args->{unhandled_namespaces} ? 1 : 0,
        login_security  => $login_security,
    }, $class;
}

sub _handle { $_[0]{h} }

sub server_id       { $_[0]{server_id} }
sub object_uris     { @{$_[0]{object_uris}} }
sub extension_uris  { @{$_[0]{extension_uris}} }
sub transaction_log { $_[0]{transaction_log} }
sub unhandled_namespaces { $_[0]{unhandled_namespaces} }
sub login_security  { $_[0]{login_security} ? {%{$_[0]{login_security}}} : undef }

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_config_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::Config - a validated libepp server configuration

=head1 SYNOPSIS

  use LibEPP::Config;
  use LibEPP::Server;

  my $config = LibEPP::Config->new(
      server_id      => 'Example Registry EPP',
      object_uris    => [qw(urn:ietf:params:xml:ns:domain-1.0 urn:ietf:params:xml:ns:contact-1.0)],
      extension_uris => ['urn:ietf:params:xml:ns:secDNS-1.1'],
      limits         => { idle_timeout_ms => 300_000, max_failed_logins => 3 },
      sv_trid_prefix => 'EX',
      transaction_log => 1,
      login_security  => { min_password_len => 8, max_password_len => 128 },   # RFC 8807
      unhandled_namespaces => 1,                                                # RFC 9038
  );
  my $server = LibEPP::Server->new(config => $config);   # what sessions are made from

=head1 DESCRIPTION

A server configuration: what the greeting offers (svID, versions,
languages, object and extension URIs, data collection policy), the limits,
the svTRID scheme and the transaction log. It is validated once, by
libepp, and is immutable afterwards; a L<LibEPP::Server> runs it (the
per-registrar session counter belongs to the server). Servers keep their
own reference to it inside libepp, so the Perl object may go away before
them.

Every option of the C API's builder (C<epp_config_builder_*>) is an
option here; an option not given keeps libepp's default.

=head1 METHODS

=head2 LibEPP::Config->new(%options)

Builds a configuration (C<epp_config_builder_new>, the setters,
C<epp_config_builder_build>). Options:

=over

=item server_id (required)

The svID, 3 to 64 characters (C<epp_config_builder_new>).

=item object_uris (required)

An array reference of object URIs (C<< <objURI> >>), at least one, at most 64
(C<epp_config_builder_add_object_uri>).

=item extension_uris

An array reference of extension URIs (C<< <extURI> >>), at most 64
(C<epp_config_builder_add_extension_uri>).

=item versions

Protocol versions offered (default C<["1.0"]>, the only one there is;
C<epp_config_builder_add_version>).

=item languages

Languages offered, RFC 5646 tags (default C<["en"]>;
C<epp_config_builder_add_language>).

=item limits

A hash reference of limits (C<epp_config_builder_set_limit>), each an
C<EPP_LIMIT_*> value:

  max_frame_size      bytes, header included      default 262144
  max_in_flight       commands read, not answered default 32
  max_pending_output  bytes of output waiting     default 1048576 (at least max_frame_size)
  max_failed_logins   per connection              default 3
  login_deadline_ms   connection to login         default 60000
  idle_timeout_ms     without a frame             default 600000
  max_xml_depth       element nesting             default 64
  max_xml_attributes  on one element              default 32
  max_xml_text        bytes of one text/value     default 65536
  max_buffered_input  bytes fed, not yet handled  default 524288 (at least max_frame_size)

C<max_buffered_input> bounds what a session holds while it wants no
input (see L<LibEPP::Session/wants_input>).

=item dcp_access

The DCP C<< <access> >>: C<all> (default), C<none>, C<null>, C<other>,
C<personal>, C<personal_and_other>, or an C<EPP_DCP_ACCESS_*> value
(C<epp_config_builder_set_dcp_access>).

=item dcp_statements

An array reference of statements replacing the default one ("admin and
prov; ours and public; stated"), each a hash reference
(C<epp_config_builder_add_dcp_statement>): C<purposes> (names among
C<admin contact other prov>, or C<EPP_DCP_PURPOSE_*> flags), C<recipients>
(names among C<other ours public same unrelated>, or
C<EPP_DCP_RECIPIENT_*> flags), C<retention> (C<business indefinite legal
none stated>, or an C<EPP_DCP_RETENTION_*> value; default C<stated>), and
C<ours_descriptions> (texts of C<< <ours><recDesc> >> recipients,
C<epp_config_builder_add_dcp_ours_description>).

=item dcp_expiry_absolute, dcp_expiry_relative

The DCP C<< <expiry> >> (none by default): an absolute time in Unix
milliseconds (C<epp_config_builder_set_dcp_expiry_absolute>), or a
duration in milliseconds after the greeting, sent in whole seconds
(C<epp_config_builder_set_dcp_expiry_relative>). Given both, the relative
one wins (the later setter replaces the earlier).

=item sv_trid_prefix, sv_trid_epoch

The svTRID prefix (1 to 20 of C<A-Z a-z 0-9 . _ ->; default: the first
such characters of the server id) and epoch (a number that differs between
runs of the server; default: derived from the C<now> given to
L<LibEPP::Server/new>). svTRIDs are C<prefix-epoch-sequence>.

=item transaction_log

True to keep a record of every response for
L<LibEPP::Session/poll_transaction> (default off).

=item login_security

Offers RFC 8807, the Login Security Extension
(C<epp_config_builder_set_login_security>): a hash reference
C<< { min_password_len => 6, max_password_len => 128 } >> (each key
optional, these are the defaults), or any true value for the defaults.
Not offered by default. The greeting then lists
C<urn:ietf:params:xml:ns:epp:loginSec-1.0> after the other extension URIs,
and a login may put a password longer than 16 characters behind
C<[LOGIN-SECURITY]> (L<LibEPP::Request/password> gives the real one) and
describe the client (L<LibEPP::Request/user_agent>); answer it with
security events (L<LibEPP::Request/answer_login>). The bounds apply to
C<< <loginSec:pw> >> and C<< <loginSec:newPW> >>, in characters: at least
6, at most 1024 (and at most C<max_xml_text>), checked by libepp; a
password outside them is answered 2306. Listing the RFC 8807 URI in
C<extension_uris> without this option is refused.

=item unhandled_namespaces

True to offer RFC 9038 (C<epp_config_builder_set_unhandled_namespaces>;
default off): the greeting lists
C<urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0> after the other
extension URIs, and a login may ask for it. Content the host passes in a
namespace the client did not log in with is moved into C<< <extValue> >>
either way.

=back

An unknown option or a malformed value croaks (C<registrar_sessions> and
C<max_sessions_per_registrar> say that they belong to L<LibEPP::Server>
now). A configuration that libepp refuses throws a L<LibEPP::Error> with
code C<EPP_RESULT_INVALID_CONFIG> whose detail says which setting and why
(C<epp_config_builder_get_last_error>), for example

  libepp: epp_config_builder_build: the configuration is invalid: ...

=head2 server_id, object_uris, extension_uris, transaction_log, unhandled_namespaces, login_security

The values the configuration was made with (the URIs as lists,
C<transaction_log> and C<unhandled_namespaces> as 1 or 0,
C<login_security> as a hash reference of both bounds, or C<undef> when not
offered). C<extension_uris> are those given: libepp adds the RFC 8807 and
RFC 9038 URIs itself.

=cut
