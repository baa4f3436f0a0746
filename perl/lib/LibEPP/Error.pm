package LibEPP::Error;

use strict;
use warnings;

our $VERSION = '0.6.0';

use overload
    '""'     => sub { $_[0]->as_string },
    'bool'   => sub { 1 },
    fallback => 1;

sub new {
    my ($class, %args) = @_;
    my $code = $args{code} // 0;
    # The subclass of the code (LibEPP::Error::AlreadyAnswered...), when
    # made as a plain LibEPP::Error.
    $class = $LibEPP::ERROR_CLASS{$code} // $class if $class eq __PACKAGE__;
    my $self = bless {
        code     => $code,
        function => $args{function},
        detail   => (defined $args{detail} && $args{detail} ne '' ? $args{detail} : undef),
        message  => $args{message},
        file     => $args{file},
        line     => $args{line},
    }, $class;
    if (!defined $self->{message}) {
        # LibEPP loads this module first; describe_result exists once it has loaded.
        my $text = defined &LibEPP::describe_result ? LibEPP::describe_result($code) : undef;
        $self->{message} = $text // "libepp result $code";
    }
    if (!defined $self->{file}) {
        # The first caller outside the binding, as Carp::croak would name it.
        my $i = 0;
        while (my @c = caller($i++)) {
            next if $c[0] =~ /^LibEPP(?:::|$)/;
            @{$self}{qw(file line)} = @c[1, 2];
            last;
        }
    }
    return $self;
}

sub throw {
    my $class = shift;
    die $class->new(@_);
}

sub code     { $_[0]{code} }
sub message  { $_[0]{message} }
sub detail   { $_[0]{detail} }
sub function { $_[0]{function} }
sub file     { $_[0]{file} }
sub line     { $_[0]{line} }

sub name {
    my ($self) = @_;
    return defined &LibEPP::result_name ? LibEPP::result_name($self->{code}) : undef;
}

sub as_string {
    my ($self) = @_;
    my $s = 'libepp: ';
    $s .= "$self->{function}: " if defined $self->{function};
    $s .= $self->{message};
    $s .= ": $self->{detail}" if defined $self->{detail};
    $s .= " at $self->{file} line $self->{line}" if defined $self->{file};
    return "$s.\n";
}

1;

__END__

=head1 NAME

LibEPP::Error - the exception a failed libepp call throws

=head1 SYNOPSIS

  use Scalar::Util qw(blessed);
  use LibEPP qw(:result);

  eval { $request->answer_poll_empty; 1 } or do {
      my $e = $@;
      die $e unless blessed($e) && $e->isa('LibEPP::Error');
      if ($e->code == EPP_RESULT_ALREADY_ANSWERED) { ... }   # answered twice
      if ($e->isa('LibEPP::Error::SessionClosed')) { ... }   # the same, by class
      warn "$e";   # libepp: epp_session_answer_poll_empty: the request was already answered at ...
  };

=head1 DESCRIPTION

Every libepp call that returns an C<epp_result> other than
C<EPP_RESULT_OK> becomes a C<die> with one of these objects. It
stringifies to

  libepp: FUNCTION: RESULT TEXT[: DETAIL] at FILE line LINE.

where RESULT TEXT is libepp's own description of the result
(C<epp_result_describe>), DETAIL is what libepp says about this failure
(C<epp_session_get_last_error>, C<epp_config_builder_get_last_error>) when
it says anything, and FILE and LINE name the caller outside the binding.

=head2 Classes

Every error is blessed into the subclass of its code, named after the
C<EPP_RESULT_*> value, all of them C<LibEPP::Error>s: test with C<< ->code >>
or with C<< ->isa >>.

  LibEPP::Error::Panic             EPP_RESULT_PANIC (1)
  LibEPP::Error::NullParameter     EPP_RESULT_NULL_PARAMETER (2)
  LibEPP::Error::InvalidLength     EPP_RESULT_INVALID_LENGTH (3)
  LibEPP::Error::InsufficientSize  EPP_RESULT_INSUFFICIENT_SIZE (4)
  LibEPP::Error::InvalidUtf8       EPP_RESULT_INVALID_UTF8 (5)
  LibEPP::Error::InvalidArgument   EPP_RESULT_INVALID_ARGUMENT (6)
  LibEPP::Error::IndexOutOfRange   EPP_RESULT_INDEX_OUT_OF_RANGE (7)
  LibEPP::Error::NotApplicable     EPP_RESULT_NOT_APPLICABLE (8)
  LibEPP::Error::InvalidConfig     EPP_RESULT_INVALID_CONFIG (100)
  LibEPP::Error::SessionClosed     EPP_RESULT_SESSION_CLOSED (200)
  LibEPP::Error::UnknownRequest    EPP_RESULT_UNKNOWN_REQUEST (201): never issued
  LibEPP::Error::WrongAnswer       EPP_RESULT_WRONG_ANSWER (202)
  LibEPP::Error::InvalidXml        EPP_RESULT_INVALID_XML (203)
  LibEPP::Error::InvalidAnswer     EPP_RESULT_INVALID_ANSWER (204)
  LibEPP::Error::AlreadyAnswered   EPP_RESULT_ALREADY_ANSWERED (205)
  LibEPP::Error::InputAfterEof     EPP_RESULT_INPUT_AFTER_EOF (206)
  LibEPP::Error::InputBufferFull   EPP_RESULT_INPUT_BUFFER_FULL (207)

An answer to a request already answered is C<AlreadyAnswered> (or
C<SessionClosed> once the session has ended); C<UnknownRequest> means only
that the session never issued the id.

=head1 METHODS

=head2 LibEPP::Error->new(%args)

Makes an error, blessed into the subclass of its code (when called on
C<LibEPP::Error> itself): C<code> (the C<epp_result> value), and optionally
C<function>, C<detail>, C<message> (default: the libepp description of
C<code>), C<file> and C<line> (default: the first caller outside the
C<LibEPP> packages).

=head2 LibEPP::Error->throw(%args)

C<die>s with C<new(%args)>.

=head2 code

The C<epp_result> value, compare with the C<EPP_RESULT_*> constants of
L<LibEPP>.

=head2 name

The C name of the code, such as C<"EPP_RESULT_SESSION_CLOSED">.

=head2 message

libepp's description of the code (C<epp_result_describe>).

=head2 detail

The detail libepp gave for this failure, or C<undef>.

=head2 function

The C function that failed, such as C<"epp_session_answer_login">.

=head2 file, line

Where the failed call was made from.

=head2 as_string

The text the object stringifies to (above).

=cut
