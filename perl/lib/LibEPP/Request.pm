package LibEPP::Request;

use strict;
use warnings;

our $VERSION = '0.6.0';

use Carp qw(croak);
use Scalar::Util qw(weaken);
use LibEPP qw(:kind :result);

my %CLASS = (
    EPP_REQUEST_KIND_LOGIN()       => 'LibEPP::Request::Login',
    EPP_REQUEST_KIND_POLL()        => 'LibEPP::Request::Poll',
    EPP_REQUEST_KIND_POLL_ACK()    => 'LibEPP::Request::PollAck',
    EPP_REQUEST_KIND_COMMAND()     => 'LibEPP::Request::Command',
    EPP_REQUEST_KIND_SESSION_END() => 'LibEPP::Request::SessionEnd',
    EPP_REQUEST_KIND_EXTENSION()   => 'LibEPP::Request::Extension',
);

# Made by LibEPP::Session::poll_queue from a handle it owns. The request
# refers to its session weakly: like in C, the host's own reference decides
# when the session is freed, and a request of a freed session can no
# longer be answered.
sub _new {
    my ($class, $h, $session) = @_;
    my $kind = 0;
    my $rc = LibEPP::FFI::epp_request_get_kind($h, \$kind);
    if ($rc) {
        LibEPP::FFI::epp_request_free($h);
        LibEPP::_check($rc, 'epp_request_get_kind');
    }
    my $self = bless { h => $h, session => $session, kind => $kind },
        $CLASS{$kind} // 'LibEPP::Request';
    weaken($self->{session});
    if ($kind != EPP_REQUEST_KIND_SESSION_END) {
        my $id = 0;
        LibEPP::_check(LibEPP::FFI::epp_request_get_id($h, \$id), 'epp_request_get_id');
        $self->{id} = $id;
    }
    return $self;
}

sub kind      { $_[0]{kind} }
sub kind_name { $LibEPP::KIND_NAME{$_[0]{kind}} // 'unknown' }
sub id        { $_[0]{id} }
sub session   { $_[0]{session} }

sub is_login       { $_[0]{kind} == EPP_REQUEST_KIND_LOGIN }
sub is_poll        { $_[0]{kind} == EPP_REQUEST_KIND_POLL }
sub is_poll_ack    { $_[0]{kind} == EPP_REQUEST_KIND_POLL_ACK }
sub is_command     { $_[0]{kind} == EPP_REQUEST_KIND_COMMAND }
sub is_session_end { $_[0]{kind} == EPP_REQUEST_KIND_SESSION_END }
sub is_extension   { $_[0]{kind} == EPP_REQUEST_KIND_EXTENSION }

# --- getters --------------------------------------------------------

sub _string {
    my ($self, $fn, @args) = @_;
    my ($p, $n);
    no strict 'refs';
    LibEPP::_check(&{"LibEPP::FFI::$fn"}($self->{h}, @args, \$p, \$n), $fn);
    return LibEPP::_out($p, $n);
}

sub _number {
    my ($self, $fn, @args) = @_;
    my $v = 0;
    no strict 'refs';
    LibEPP::_check(&{"LibEPP::FFI::$fn"}($self->{h}, @args, \$v), $fn);
    return $v;
}

sub client_id             { $_[0]->_string('epp_request_get_client_id') }
sub password              { $_[0]->_string('epp_request_get_password') }
sub new_password          { $_[0]->_string('epp_request_get_new_password') }
sub lang                  { $_[0]->_string('epp_request_get_lang') }
sub extension_xml         { $_[0]->_string('epp_request_get_extension_xml') }
sub client_transaction_id { $_[0]->_string('epp_request_get_client_transaction_id') }
sub server_transaction_id { $_[0]->_string('epp_request_get_server_transaction_id') }
sub object_uri            { $_[0]->_string('epp_request_get_object_uri') }
sub object_xml            { $_[0]->_string('epp_request_get_object_xml') }
sub close_reason_text     { $_[0]->_string('epp_request_get_close_reason_text') }
sub user_agent_app        { $_[0]->_string('epp_request_get_user_agent_app') }
sub user_agent_tech       { $_[0]->_string('epp_request_get_user_agent_tech') }
sub user_agent_os         { $_[0]->_string('epp_request_get_user_agent_os') }
sub message_id            { $_[0]->_number('epp_request_get_message_id') }
sub verb                  { $_[0]->_number('epp_request_get_command_verb') }
sub transfer_op           { $_[0]->_number('epp_request_get_transfer_op') }
sub close_reason          { $_[0]->_number('epp_request_get_close_reason') }

sub cltrid { $_[0]->client_transaction_id }
sub svtrid { $_[0]->server_transaction_id }

sub verb_name         { $LibEPP::VERB_NAME{$_[0]->verb} }
sub transfer_op_name  { $LibEPP::TRANSFER_OP_NAME{$_[0]->transfer_op} }
sub close_reason_name { $LibEPP::CLOSE_REASON_NAME{$_[0]->close_reason} }

sub object_uris {
    my ($self) = @_;
    my $n = $self->_number('epp_request_get_obj_uri_count');
    return map { $self->_string('epp_request_get_obj_uri', $_) } 0 .. $n - 1;
}

sub extension_uris {
    my ($self) = @_;
    my $n = $self->_number('epp_request_get_ext_uri_count');
    return map { $self->_string('epp_request_get_ext_uri', $_) } 0 .. $n - 1;
}

sub user_agent {
    my ($self) = @_;
    my %ua = (app => $self->user_agent_app, tech => $self->user_agent_tech, os => $self->user_agent_os);
    delete @ua{grep { !defined $ua{$_} } keys %ua};
    return %ua ? \%ua : undef;
}

sub close_detail {
    my ($self, $which) = @_;
    croak "LibEPP::Request->close_detail: which detail (EPP_CLOSE_DETAIL_*)?" if !defined $which;
    my $v = 0;
    my $rc = LibEPP::FFI::epp_request_get_close_detail($self->{h}, $which, \$v);
    return undef if $rc == EPP_RESULT_NOT_APPLICABLE;
    LibEPP::_check($rc, 'epp_request_get_close_detail');
    return $v;
}

# --- answers --------------------------------------------------------

sub _answer {
    my ($self, $method, @args) = @_;
    croak "LibEPP::Request: a session_end request takes no answer" if !defined $self->{id};
    my $session = $self->{session}
        // LibEPP::Error->throw(code => EPP_RESULT_SESSION_CLOSED, function => "LibEPP::Request::$method",
                                detail => 'the LibEPP::Session of this request was freed');
    return $session->$method($self->{id}, @args);
}

sub answer_login        { $_[0]->_answer('answer_login', @_[1 .. $#_]) }
sub answer_poll_empty   { $_[0]->_answer('answer_poll_empty') }
sub answer_poll_message { $_[0]->_answer('answer_poll_message', @_[1 .. $#_]) }
sub answer_ack          { $_[0]->_answer('answer_ack', @_[1 .. $#_]) }
sub answer_ack_unknown  { $_[0]->_answer('answer_ack_unknown') }
sub answer_command      { $_[0]->_answer('answer_command', @_[1 .. $#_]) }
sub answer_failure      { $_[0]->_answer('answer_failure', @_[1 .. $#_]) }

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_request_free') }

sub CLONE_SKIP { 1 }

package LibEPP::Request::Login;
our @ISA = ('LibEPP::Request');

package LibEPP::Request::Poll;
our @ISA = ('LibEPP::Request');

package LibEPP::Request::PollAck;
our @ISA = ('LibEPP::Request');

package LibEPP::Request::Command;
our @ISA = ('LibEPP::Request');

package LibEPP::Request::SessionEnd;
our @ISA = ('LibEPP::Request');

package LibEPP::Request::Extension;
our @ISA = ('LibEPP::Request');

1;

__END__

=head1 NAME

LibEPP::Request - a request the host decides

=head1 SYNOPSIS

  while (my $req = $session->poll_queue) {
      my $kind = $req->kind_name;
      if ($kind eq 'login') {
          my $ok = check_password($req->client_id, $req->password);
          log_client($req->user_agent) if $req->user_agent;      # RFC 8807
          my $code = $req->answer_login($ok ? 'accepted' : 'bad_credentials',
                                        password_expiry_events($req->client_id));
          set_password($req->client_id, $req->new_password)
              if $code == 1000 && defined $req->new_password;
      } elsif ($kind eq 'poll') {
          my $m = oldest_message($req->client_id);
          $m ? $req->answer_poll_message(id => $m->{id}, count => $m->{count},
                                         queued_at => $m->{at}, text => $m->{text})
             : $req->answer_poll_empty;
      } elsif ($kind eq 'poll_ack') {
          my $left = remove_message($req->client_id, $req->message_id);
          defined $left ? $req->answer_ack($left) : $req->answer_ack_unknown;
      } elsif ($kind eq 'command') {
          # $req->verb_name, $req->object_uri, $req->object_xml, $req->extension_xml
          $req->answer_command(2101);
      } elsif ($kind eq 'extension') {
          # <epp><extension> (RFC 3735): $req->extension_uris, $req->extension_xml
          $req->answer_command(1000, extension => pong_for($req->extension_xml));
      } elsif ($kind eq 'session_end') {
          warn "session ended: ", $req->close_reason_text, "\n";
      }
  }

=head1 DESCRIPTION

What L<LibEPP::Session/poll_queue> hands out: a login, a poll request, a
poll ack, an object command, a protocol extension, or the end of the
session. libepp answers
hello, logout and every protocol error itself; the host answers these,
each exactly once, in any order (libepp writes the responses in command
order).

Each object is blessed into a subclass by kind -
C<LibEPP::Request::Login>, C<::Poll>, C<::PollAck>, C<::Command>,
C<::Extension>, C<::SessionEnd> - all of which inherit every method from
C<LibEPP::Request>. A getter that does not apply to the request's kind
throws a L<LibEPP::Error> with code C<EPP_RESULT_NOT_APPLICABLE>; an answer
that does not fit it throws C<EPP_RESULT_WRONG_ANSWER>; a second answer
throws C<EPP_RESULT_ALREADY_ANSWERED> (a L<LibEPP::Error::AlreadyAnswered>;
C<EPP_RESULT_SESSION_CLOSED> once the session has ended and dropped its
requests).

A request owns its data (its getters work after its session ended or was
freed) and is answered through its L<LibEPP::Session>, to which it holds a
weak reference: as in C, the host's own reference to the session decides
when it is freed (and when a registrar session slot it holds is released).
Answering a request whose session object was freed throws a
L<LibEPP::Error> with code C<EPP_RESULT_SESSION_CLOSED>. Freeing a request
does not answer it.

=head1 METHODS

=head2 Every kind

=over

=item kind

The C<EPP_REQUEST_KIND_*> value.

=item kind_name

C<login>, C<poll>, C<poll_ack>, C<command>, C<extension> or
C<session_end>.

=item is_login, is_poll, is_poll_ack, is_command, is_extension, is_session_end

Whether the request is of that kind.

=item id

The id it is answered with (unique within its session); C<undef> for
C<session_end>.

=item session

The L<LibEPP::Session> it came from, or C<undef> once that object was
freed.

=item client_transaction_id, cltrid

The C<< <clTRID> >> when the client sent a valid one, else C<undef>
(login, poll, poll ack, command; an extension has none and throws
C<EPP_RESULT_NOT_APPLICABLE>). libepp echoes it itself.

=item server_transaction_id, svtrid

The C<< <svTRID> >> that the response to this request will carry (libepp
sets it aside when it reads the frame), for the host's own transaction
records (login, poll, poll ack, command, extension).

=item client_id

For a login, the C<< <clID> >> to authenticate; for a poll, poll ack,
command or extension, the logged-in client it comes from (the
C<< <clID> >> of its login).

=item extension_xml

The children of the command's C<< <extension> >>, concatenated, each
standing alone (namespace declarations included), or C<undef> (login,
poll, poll ack, command); for an extension, the children of
C<< <epp><extension> >>, never C<undef>.

=back

=head2 Login

=over

=item password

The C<< <pw> >>. Never log it. When the server offers RFC 8807 (the
C<login_security> option of L<LibEPP::Config>) and the client sent
C<[LOGIN-SECURITY]>, the real password from C<< <loginSec:pw> >>.

=item new_password

The C<< <newPW> >> to set if the login succeeds (likewise the real one
behind C<[LOGIN-SECURITY]>), or C<undef>.

=item user_agent

RFC 8807's C<< <loginSec:userAgent> >>: a hash reference with the parts the
client gave among C<app> (the client application and its version), C<tech>
(the technology) and C<os> (the operating system), or C<undef> when it did
not describe itself (or the server does not offer RFC 8807).

=item user_agent_app, user_agent_tech, user_agent_os

The parts one by one (C<epp_request_get_user_agent_*>), each C<undef> when
absent.

=item lang

The C<< <options><lang> >>, one the server offers.

=item object_uris

The C<< <svcs><objURI> >> list the client asked for.

=item extension_uris

The C<< <svcExtension><extURI> >> list (for a command: the namespace URIs
of its C<< <extension> >> children, in order).

=item answer_login($answer, @events)

Answers with the host's decision: C<'accepted'>, C<'bad_credentials'>,
C<'account_disabled'>, C<'session_limit_exceeded'>, C<'failed'> (or an
C<EPP_LOGIN_ANSWER_*> value). Returns the result code sent: only 1000
means the client is logged in (an accepted login becomes 2502 when the
registrar counter is full).

C<@events> are RFC 8807 security events for the client, whatever the
outcome: L<LibEPP::SecurityEvent> objects, or hash references of
L<LibEPP::SecurityEvent/new>'s arguments
(C<epp_session_answer_login_with_events>). An event lacking what RFC 8807
requires throws C<EPP_RESULT_INVALID_ANSWER> and answers nothing.

=back

=head2 Poll

=over

=item answer_poll_empty

The client's queue is empty (1300).

=item answer_poll_message($message)

=item answer_poll_message(%args)

The oldest message of the client's queue (1301 with C<< <msgQ> >>): a
L<LibEPP::PollMessage>, or the arguments of L<LibEPP::PollMessage/new>.

=back

=head2 PollAck

=over

=item message_id

The C<msgID> to remove (a number: libepp answers non-numeric ids itself).

=item answer_ack($remaining)

The message was removed and C<$remaining> are left (1000 with C<< <msgQ> >>).

=item answer_ack_unknown

The client has no message with that id (2303).

=back

=head2 Command

=over

=item verb, verb_name

The C<EPP_COMMAND_VERB_*> value, and its name: C<check>, C<info>,
C<create>, C<update>, C<delete>, C<renew>, C<transfer>.

=item transfer_op, transfer_op_name

The C<EPP_TRANSFER_OP_*> value and its name (C<request>, C<approve>,
C<cancel>, C<query>, C<reject>; C<undef> when the verb is not transfer).

=item object_uri

The namespace URI of the object element, one the client logged in with.

=item object_xml

The object element (for example C<< <domain:check ...>...</domain:check> >>)
with the namespace declarations it inherits, so it parses alone.

=item extension_uris

The namespace URIs of the command's C<< <extension> >> children, in
order, each one the client logged in with.

=item answer_command($response)

=item answer_command($code, %options)

Answers with a L<LibEPP::Response>, or one made from C<$code> and the
options of L<LibEPP::Response/new>. Also accepted for a poll or poll ack
when the host wants full control of the result. A 25xx code closes the
session once written. Throws C<EPP_RESULT_INVALID_XML> or
C<EPP_RESULT_INVALID_ANSWER> (the request stays outstanding) when libepp
refuses the content.

=back

=head2 Any request but session_end

=over

=item answer_failure($text)

Answers 2400 (command failed), with C<$text> or the standard message.

=back

=head2 Extension

A protocol extension (RFC 3735): C<< <epp><extension> >>, a command outside
C<< <command> >>, from a logged-in client, every element in a namespace it
logged in with (libepp answers 2002 before login and 2103 otherwise).

=over

=item extension_uris

The namespace URI of each element, in order.

=item extension_xml

The elements, each standing alone.

=item answer_command($response), answer_command($code, %options)

Answers it like an object command (or C<answer_failure>). Its response
has no C<< <clTRID> >>: a transaction id, if any, is the extension's own.

=back

=head2 SessionEnd

Needs no answer: write the remaining output, and close the connection
once L<LibEPP::Session/is_finished> (gently, as described there: half-close
and drain first).

=over

=item close_reason, close_reason_name

The C<EPP_CLOSE_REASON_*> value and its name (C<logout>,
C<login_deadline>, C<idle_timeout>, C<bad_frame_length>, C<peer_closed>,
C<peer_closed_mid_frame>, C<too_many_failed_logins>,
C<session_limit_exceeded>, C<closing_response>, C<host>).

=item close_detail($which)

The number that comes with the reason (C<EPP_CLOSE_DETAIL_*>), or
C<undef> when this reason has no such number.

=item close_reason_text

The reason as English text for logs.

=back

=cut
