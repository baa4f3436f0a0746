use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use B ();
use Pod::Checker ();

# Every module's POD is well-formed, and every public method is documented.

my %files = (
    'LibEPP'                    => 'LibEPP.pm',
    'LibEPP::Error'             => 'LibEPP/Error.pm',
    'LibEPP::Config'            => 'LibEPP/Config.pm',
    'LibEPP::RegistrarSessions' => 'LibEPP/RegistrarSessions.pm',
    'LibEPP::Server'            => 'LibEPP/Server.pm',
    'LibEPP::Session'           => 'LibEPP/Session.pm',
    'LibEPP::Request'           => 'LibEPP/Request.pm',
    'LibEPP::Response'          => 'LibEPP/Response.pm',
    'LibEPP::PollMessage'       => 'LibEPP/PollMessage.pm',
    'LibEPP::SecurityEvent'     => 'LibEPP/SecurityEvent.pm',
    'LibEPP::Transaction'       => 'LibEPP/Transaction.pm',
    'LibEPP::ClientConfig'      => 'LibEPP/ClientConfig.pm',
    'LibEPP::Client'            => 'LibEPP/Client.pm',
    'LibEPP::Client::Command'   => 'LibEPP/Client.pm',
    'LibEPP::Client::Event'     => 'LibEPP/Client.pm',
    'LibEPP::SRS'               => 'LibEPP/SRS.pm',
    'LibEPP::Library'           => 'LibEPP/Library.pm',
);

for my $package (sort keys %files) {
    my $file = "$FindBin::Bin/../lib/$files{$package}";
    require $files{$package};    # by its %INC name: loaded once

    open(my $null, '>', \my $report) or die;
    my $checker = Pod::Checker->new(-warnings => 0);
    $checker->parse_from_file($file, $null);
    is($checker->num_errors, 0, "$files{$package}: POD has no errors") or diag($report);
    ok($checker->num_errors >= 0 && $checker->name, "$files{$package}: has a NAME section");

    # Names in =head2/=head3/=item lines.
    open(my $fh, '<', $file) or die "$file: $!";
    my %documented;
    while (my $line = <$fh>) {
        next if $line !~ /^=(?:head[234]|item)\s+(.*)/;
        $documented{$_} = 1 for $1 =~ /([A-Za-z_]\w*)/g;
    }

    no strict 'refs';
    my @undocumented;
    for my $name (sort keys %{"${package}::"}) {
        next if $name =~ /^[_(]|^[A-Z_]+$|^EPP_|^ABI_/;     # private, DESTROY/CLONE_SKIP/..., constants
        my $code = *{"${package}::$name"}{CODE} or next;
        my $gv = B::svref_2object($code)->GV;
        next if !$gv || $gv->STASH->NAME ne $package;   # imported (croak, blessed, ...)
        push @undocumented, $name if !$documented{$name};
    }
    is_deeply(\@undocumented, [], "$package: every public method has POD");
}

done_testing;
