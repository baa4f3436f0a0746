package LibEPP::Response;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use LibEPP ();

my %KNOWN = map { $_ => 1 } qw(message lang values ext_values res_data extension);

sub new {
    my ($class, $code, %opts) = @_;
    croak "LibEPP::Response->new: a result code is required" if !defined $code;
    croak "LibEPP::Response->new: result code '$code' is not a number" if $code !~ /^\d+$/;
    for my $k (sort keys %opts) {
        croak "LibEPP::Response->new: unknown option '$k'" if !$KNOWN{$k};
    }
    my $h;
    # A code beyond 16 bits never reaches libepp: say what libepp would.
    LibEPP::_check($code > 0xFFFF ? LibEPP::EPP_RESULT_INVALID_ARGUMENT() : LibEPP::FFI::epp_response_new($code, \$h),
                   'epp_response_new', $code > 0xFFFF ? _not_a_code($code) : undef);
    my $self = bless { h => $h, code => $code }, $class;
    $self->_apply(%opts);
    return $self;
}

sub _apply {
    my ($self, %o) = @_;
    $self->set_message($o{message}) if defined $o{message};
    $self->set_lang($o{lang})       if defined $o{lang};
    $self->add_value($_) for @{$o{values} || []};
    $self->add_ext_value(@$_) for @{$o{ext_values} || []};
    $self->set_res_data($o{res_data})   if defined $o{res_data};
    $self->set_extension($o{extension}) if defined $o{extension};
    return $self;
}

sub _handle { $_[0]{h} }

sub _not_a_code { "result_code: $_[0] is not an EPP result code (RFC 5730 section 3)" }

sub code { $_[0]{code} }

sub add_result {
    my ($self, $code, %opts) = @_;
    croak "LibEPP::Response->add_result: a result code is required" if !defined $code;
    croak "LibEPP::Response->add_result: result code '$code' is not a number" if $code !~ /^\d+$/;
    if ($code > 0xFFFF) {
        LibEPP::_check(LibEPP::EPP_RESULT_INVALID_ARGUMENT(), 'epp_response_add_result', _not_a_code($code));
    }
    LibEPP::_call_handle($self, 'epp_response_add_result', $code);
    return $self->_apply(%opts);
}

sub set_message   { LibEPP::_call_text($_[0], 'epp_response_set_message', $_[1]) }
sub set_lang      { LibEPP::_call_text($_[0], 'epp_response_set_lang', $_[1]) }
sub add_value     { LibEPP::_call_text($_[0], 'epp_response_add_value', $_[1]) }
sub set_res_data  { LibEPP::_call_text($_[0], 'epp_response_set_res_data', $_[1]) }
sub set_extension { LibEPP::_call_text($_[0], 'epp_response_set_extension', $_[1]) }

sub add_ext_value {
    my ($self, $xml, $reason) = @_;
    return LibEPP::_call_handle($self, 'epp_response_add_ext_value', LibEPP::_in($xml), LibEPP::_in($reason));
}

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_response_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::Response - a complete response to an object command

=head1 SYNOPSIS

  my $rs = LibEPP::Response->new(1000,
      res_data => '<domain:chkData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">'
                . '<domain:cd><domain:name avail="1">example.nz</domain:name></domain:cd>'
                . '</domain:chkData>');
  $request->answer_command($rs);

  LibEPP::Response->new(2303)->set_message('Object does not exist')
      ->add_value('<domain:name xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">x.nz</domain:name>');

=head1 DESCRIPTION

What the host answers an object command with (or a poll or poll ack when
it wants full control): one or more results, optional C<< <resData> >>
and C<< <extension> >>. libepp adds the envelope and C<< <trID> >>, and
applies RFC 9038 to content in namespaces the client did not log in with.
A response is only read by an answer: it may be reused for many. XML
content is checked when the response is used, so an unacceptable fragment
makes the answer throw (C<EPP_RESULT_INVALID_XML>) and leaves the request
outstanding.

Every setter returns the response, for chaining, and throws a
L<LibEPP::Error> when libepp refuses it.

=head1 METHODS

=head2 LibEPP::Response->new($code, %options)

A response whose first result has C<$code>, an RFC 5730 result code
(anything else throws C<EPP_RESULT_INVALID_ARGUMENT>), with the code's
standard message. Options, applied in this order: C<message>, C<lang>,
C<values> (array reference of XML elements), C<ext_values> (array
reference of C<[$xml, $reason]>), C<res_data>, C<extension>. A 25xx code
closes the session once the response is written.

=head2 code

The first result's code.

=head2 add_result($code, %options)

Adds another result; the C<message>, C<lang>, C<values> and
C<ext_values> options (and the setters called afterwards) apply to it.

=head2 set_message($text)

The C<< <msg> >> text of the last result (instead of the standard text).

=head2 set_lang($lang)

The C<< <msg lang> >> of the last result (default C<en>).

=head2 add_value($xml)

Adds a C<< <value> >> holding one namespaced XML element to the last result.

=head2 add_ext_value($xml, $reason)

Adds an C<< <extValue> >> (a C<< <value> >> element and a plain-text
C<< <reason> >>) to the last result.

=head2 set_res_data($xml)

The C<< <resData> >> content, a sequence of namespaced elements; C<undef>
removes it.

=head2 set_extension($xml)

The C<< <extension> >> content; C<undef> removes it.

=cut
