package LibEPP::SecurityEvent;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use LibEPP qw(:security_event);

my %TYPE = (
    password     => EPP_SECURITY_EVENT_TYPE_PASSWORD,
    certificate  => EPP_SECURITY_EVENT_TYPE_CERTIFICATE,
    cipher       => EPP_SECURITY_EVENT_TYPE_CIPHER,
    tls_protocol => EPP_SECURITY_EVENT_TYPE_TLS_PROTOCOL,
    new_password => EPP_SECURITY_EVENT_TYPE_NEW_PASSWORD,
    stat         => EPP_SECURITY_EVENT_TYPE_STAT,
    custom       => EPP_SECURITY_EVENT_TYPE_CUSTOM,
);
# RFC 8807's own spellings of the type attribute.
$TYPE{tlsProtocol} = $TYPE{tls_protocol};
$TYPE{newPW}       = $TYPE{new_password};
my %LEVEL = (
    warning => EPP_SECURITY_EVENT_LEVEL_WARNING,
    error   => EPP_SECURITY_EVENT_LEVEL_ERROR,
);
my %KNOWN = map { $_ => 1 } qw(type level name expires_at value duration lang text);

sub _enum {
    my ($v, $map, $what) = @_;
    croak "LibEPP::SecurityEvent->new: $what is required" if !defined $v;
    return $v if $v =~ /^\d+\z/;    # an EPP_SECURITY_EVENT_* value: libepp checks it
    return $map->{$v} // croak "LibEPP::SecurityEvent->new: unknown $what '$v' (one of: "
                               . join(', ', sort keys %$map) . ")";
}

sub _ms {
    my ($v, $what) = @_;
    croak "LibEPP::SecurityEvent: $what must be a non-negative integer (milliseconds)"
        if !defined $v || ref $v || $v !~ /^\d+\z/;
    return $v;
}

sub new {
    my ($class, %a) = @_;
    for my $k (sort keys %a) {
        croak "LibEPP::SecurityEvent->new: unknown option '$k'" if !$KNOWN{$k};
    }
    my $type = _enum($a{type}, \%TYPE, 'type');
    my $level = _enum($a{level} // 'warning', \%LEVEL, 'level');
    my $h;
    LibEPP::_check(LibEPP::FFI::epp_security_event_new($type, $level, \$h), 'epp_security_event_new');
    my $self = bless { h => $h, type => $type, level => $level }, $class;
    $self->set_name($a{name})             if defined $a{name};
    $self->set_expires_at($a{expires_at}) if defined $a{expires_at};
    $self->set_value($a{value})           if defined $a{value};
    $self->set_duration($a{duration})     if defined $a{duration};
    $self->set_lang($a{lang})             if defined $a{lang};
    $self->set_text($a{text})             if defined $a{text};
    return $self;
}

sub _handle { $_[0]{h} }

sub type  { $_[0]{type} }
sub level { $_[0]{level} }

sub set_name  { LibEPP::_call_text($_[0], 'epp_security_event_set_name', $_[1]) }
sub set_value { LibEPP::_call_text($_[0], 'epp_security_event_set_value', $_[1]) }
sub set_lang  { LibEPP::_call_text($_[0], 'epp_security_event_set_lang', $_[1]) }
sub set_text  { LibEPP::_call_text($_[0], 'epp_security_event_set_text', $_[1]) }

sub set_expires_at {
    my ($self, $ms) = @_;
    return LibEPP::_call_handle($self, 'epp_security_event_set_expires_at', _ms($ms, 'expires_at'));
}

sub set_duration {
    my ($self, $ms) = @_;
    return LibEPP::_call_handle($self, 'epp_security_event_set_duration', _ms($ms, 'duration'));
}

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_security_event_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::SecurityEvent - an RFC 8807 security event for a login answer

=head1 SYNOPSIS

  my $code = $request->answer_login('accepted',
      LibEPP::SecurityEvent->new(type => 'password', level => 'warning',
                                 expires_at => $expiry_ms, text => 'Password expiring soon'),
      { type => 'stat', name => 'failedLogins', value => 100,
        duration => 86_400_000, text => 'Excessive invalid daily logins' },   # new()'s arguments
  );

=head1 DESCRIPTION

One C<< <loginSec:event> >> of a login response (RFC 8807, the Login
Security Extension): a password or certificate about to expire, an
insecure cipher or TLS protocol, a statistic, a custom event. Give it to
L<LibEPP::Request/answer_login> (or L<LibEPP::Session/answer_login>), which
only reads it: one event may answer many logins.

The events are written as C<< <extension><loginSec:loginSecData> >> when
the client logged in with the RFC 8807 extURI, and moved into
C<< <extValue> >> otherwise (RFC 9038). The server offers the extension with
the C<login_security> option of L<LibEPP::Config>.

=head1 METHODS

=head2 LibEPP::SecurityEvent->new(%args)

Makes an event (C<epp_security_event_new> and the setters below):

=over

=item type (required)

C<password>, C<certificate>, C<cipher>, C<tls_protocol> (or
C<tlsProtocol>), C<new_password> (or C<newPW>), C<stat>, C<custom>, or an
C<EPP_SECURITY_EVENT_TYPE_*> value.

=item level

C<warning> (the default) or C<error> (the event made the login fail), or
an C<EPP_SECURITY_EVENT_LEVEL_*> value.

=item name, expires_at, value, duration, lang, text

The setters below.

=back

An unknown type, level or option croaks. What RFC 8807 requires of an
event (an C<expires_at> for C<password> and C<certificate>, a C<name> for
C<stat> and C<custom>, a language tag as C<lang>) is checked when it is
used: the answer then throws C<EPP_RESULT_INVALID_ANSWER> and the request
stays outstanding.

=head2 type, level

The C<EPP_SECURITY_EVENT_TYPE_*> and C<EPP_SECURITY_EVENT_LEVEL_*> values
it was made with.

=head2 set_name($name)

The C<name> of a C<stat> (such as C<failedLogins>) or C<custom> event;
throws C<EPP_RESULT_NOT_APPLICABLE> for another type.

=head2 set_expires_at($ms)

The C<exDate>: when the password or certificate expires (or expired), in
Unix milliseconds (written to the second, with milliseconds only when there
are some).

=head2 set_value($value)

The C<value>: the cipher suite, the TLS protocol, the statistic's figure.
C<undef> removes it.

=head2 set_duration($ms)

The C<duration> of a statistic, in milliseconds (written as an XML Schema
duration, such as C<P1D>).

=head2 set_lang($lang)

The language of the text (no attribute by default, which means C<en>).
C<undef> removes it.

=head2 set_text($text)

The human-readable description. C<undef> removes it.

=cut
