package LibEPP::PollMessage;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use LibEPP ();

my %KNOWN = map { $_ => 1 } qw(id count queued_at text lang msg_xml res_data extension);

sub new {
    my ($class, %a) = @_;
    for my $k (sort keys %a) {
        croak "LibEPP::PollMessage->new: unknown option '$k'" if !$KNOWN{$k};
    }
    for my $k (qw(id count queued_at)) {
        croak "LibEPP::PollMessage->new: $k must be a non-negative integer"
            if !defined $a{$k} || $a{$k} !~ /^\d+$/;
    }
    croak "LibEPP::PollMessage->new: text is required" if !defined $a{text};
    my $h;
    LibEPP::_check(LibEPP::FFI::epp_poll_message_new($a{id}, $a{count}, $a{queued_at},
                                                     LibEPP::_in($a{text}), \$h),
                   'epp_poll_message_new');
    my $self = bless { h => $h, id => $a{id}, count => $a{count} }, $class;
    $self->set_lang($a{lang})           if defined $a{lang};
    $self->set_msg_xml($a{msg_xml})     if defined $a{msg_xml};
    $self->set_res_data($a{res_data})   if defined $a{res_data};
    $self->set_extension($a{extension}) if defined $a{extension};
    return $self;
}

sub _handle { $_[0]{h} }

sub id    { $_[0]{id} }
sub count { $_[0]{count} }

sub set_lang      { LibEPP::_call_text($_[0], 'epp_poll_message_set_lang', $_[1]) }
sub set_res_data  { LibEPP::_call_text($_[0], 'epp_poll_message_set_res_data', $_[1]) }
sub set_extension { LibEPP::_call_text($_[0], 'epp_poll_message_set_extension', $_[1]) }
sub set_msg_xml   { LibEPP::_call_text($_[0], 'epp_poll_message_set_msg_xml', $_[1]) }

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_poll_message_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::PollMessage - a service message for a poll answer

=head1 SYNOPSIS

  my $msg = LibEPP::PollMessage->new(
      id => 42, count => 3, queued_at => $queued_ms, text => 'Transfer requested.');
  $request->answer_poll_message($msg);

  # Structured content of <msg> (CZ.NIC FRED style), after the text:
  $request->answer_poll_message(id => 43, count => 2, queued_at => $queued_ms, text => '',
      msg_xml => '<fred:lowCreditData xmlns:fred="http://www.nic.cz/xml/epp/fred-1.5">...</fred:lowCreditData>');

=head1 DESCRIPTION

The oldest message of a client's queue, answered to C<< <poll op="req"> >>
as 1301 with C<< <msgQ> >>. The answer only reads it.

=head1 METHODS

=head2 LibEPP::PollMessage->new(%args)

C<id> (sent as C<msgQ id>), C<count> (messages in the client's queue,
this one included), C<queued_at> (Unix milliseconds, sent as
C<< <qDate> >>), C<text> (may be C<''> when C<msg_xml> carries the
content); optionally C<lang>, C<msg_xml>, C<res_data>, C<extension> (the
setters below).

=head2 id, count

The values it was made with.

=head2 set_lang($lang)

The language of the text (default C<en>); checked when the message is used.

=head2 set_res_data($xml)

Object-specific data (C<< <resData> >> children); an element in a
namespace the client did not log in with is moved into C<< <extValue> >>
(RFC 9038). C<undef> removes it.

=head2 set_extension($xml)

Extension data (C<< <extension> >> children), with the same rule.

=head2 set_msg_xml($xml)

Structured content of C<< <msg> >> (epp-1.0.xsd C<mixedMsgType>): one or
more namespaced elements, written after the text, each made to stand
alone, such as CZ.NIC FRED's C<< <fred:lowCreditData xmlns:fred="..."> >>.
An element in a namespace the client did not log in with (as an objURI or
an extURI) is moved into C<< <extValue> >> (RFC 9038), as for C<res_data>;
content that is not namespaced elements is refused when the message is
used (C<EPP_RESULT_INVALID_XML>). C<undef> removes it
(C<epp_poll_message_set_msg_xml>).

=cut
