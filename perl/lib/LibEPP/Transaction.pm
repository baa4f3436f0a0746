package LibEPP::Transaction;

use strict;
use warnings;

our $VERSION = '0.6.0';

use LibEPP ();

# Made by LibEPP::Session::poll_transaction from a handle it owns.
sub _new {
    my ($class, $h) = @_;
    return bless { h => $h }, $class;
}

sub _string {
    my ($self, $fn) = @_;
    my ($p, $n);
    no strict 'refs';
    LibEPP::_check(&{"LibEPP::FFI::$fn"}($self->{h}, \$p, \$n), $fn);
    return LibEPP::_out($p, $n);
}

sub command               { $_[0]->_string('epp_transaction_get_command') }
sub client_id             { $_[0]->_string('epp_transaction_get_client_id') }
sub client_transaction_id { $_[0]->_string('epp_transaction_get_client_transaction_id') }
sub server_transaction_id { $_[0]->_string('epp_transaction_get_server_transaction_id') }

sub result_code {
    my ($self) = @_;
    my $code = 0;
    LibEPP::_check(LibEPP::FFI::epp_transaction_get_result_code($self->{h}, \$code),
                   'epp_transaction_get_result_code');
    return $code;
}

sub received_at {
    my ($self) = @_;
    my $at = 0;
    LibEPP::_check(LibEPP::FFI::epp_transaction_get_received_at($self->{h}, \$at),
                   'epp_transaction_get_received_at');
    return $at;
}

sub DESTROY { LibEPP::_free_handle($_[0], 'epp_transaction_free') }

sub CLONE_SKIP { 1 }

1;

__END__

=head1 NAME

LibEPP::Transaction - one record of a session's transaction log

=head1 SYNOPSIS

  # with LibEPP::Config->new(..., transaction_log => 1)
  while (my $t = $session->poll_transaction) {
      printf STDERR "clID=%s command=%s code=%d svTRID=%s\n",
          $t->client_id // '-', $t->command, $t->result_code,
          $t->server_transaction_id // '-';
  }

=head1 DESCRIPTION

One response the session wrote, for the host's audit log. It owns its
data and outlives its session. Never contains a password.

=head1 METHODS

=head2 command

What was answered: C<hello>, C<login>, C<logout>, C<poll req>,
C<poll ack>, an object verb (C<check>, C<info>, ...), C<extension> (a
protocol extension, C<< <epp><extension> >>), C<invalid> (a frame refused
with 2000 or 2001) or C<frame> (a frame length refused with 2500).

=head2 result_code

The result code of the response; 0 for a greeting.

=head2 client_id

The logged-in client, or for a login the clID it tried; C<undef> when none.

=head2 client_transaction_id

The clTRID as echoed, or C<undef>.

=head2 server_transaction_id

The svTRID, or C<undef> for a greeting.

=head2 received_at

When the frame answered was read (the C<now_ms> passed with it).

=cut
