package LibEPP::Library;

# Finds libepp's shared library. No FFI here: Makefile.PL uses it at
# configure time, before FFI::Platypus may be installed. See the POD.

use strict;
use warnings;
use 5.010;

our $VERSION = '0.6.0';

use Carp qw(croak);
use File::Basename qw(dirname);
use File::Spec;

sub _so_ext { $^O eq 'darwin' ? 'dylib' : $^O eq 'MSWin32' ? 'dll' : 'so' }

sub candidates_in {
    my ($class, $dir, $major, $minor) = @_;
    my $so = _so_ext();
    my @names = ("libepp.$so");
    push @names, "libepp.$so.$major.$minor" if $so eq 'so' && defined $minor;
    push @names, 'epp.dll' if $so eq 'dll';
    return grep { -f } map { File::Spec->catfile($dir, $_) } @names;
}

sub pkg_config_libdir {
    my ($class, $tried) = @_;
    $tried //= [];
    my $pc = $ENV{PKG_CONFIG} || 'pkg-config';
    my $have = File::Spec->file_name_is_absolute($pc)
        ? -x $pc : grep { -x File::Spec->catfile($_, $pc) } File::Spec->path;
    if (!$have) {
        push @$tried, "pkg-config: '$pc' is not installed";
        return undef;
    }
    my $where = defined $ENV{PKG_CONFIG_PATH} && $ENV{PKG_CONFIG_PATH} ne ''
        ? " with PKG_CONFIG_PATH=$ENV{PKG_CONFIG_PATH}" : ' (PKG_CONFIG_PATH not set)';
    my $libdir = `$pc --variable=libdir epp 2>/dev/null`;
    if ($? != 0 || !defined $libdir) {
        push @$tried, "pkg-config: no epp.pc$where";
        return undef;
    }
    chomp $libdir;
    return $libdir if $libdir ne '';
    push @$tried, "pkg-config: epp.pc$where gives no libdir";
    return undef;
}

sub find {
    my ($class, %a) = @_;
    my ($major, $minor) = ($a{major} // 0, $a{minor});
    my @tried;
    # 1. The environment names the file.
    if (defined $ENV{LIBEPP_LIB} && $ENV{LIBEPP_LIB} ne '') {
        return $ENV{LIBEPP_LIB} if -f $ENV{LIBEPP_LIB};
        croak "LibEPP: LIBEPP_LIB is set to '$ENV{LIBEPP_LIB}', which is not a file";
    }
    push @tried, 'LIBEPP_LIB: not set';
    # 2. pkg-config: where `make install` of libepp put it.
    if (defined(my $libdir = $class->pkg_config_libdir(\@tried))) {
        my ($found) = $class->candidates_in($libdir, $major, $minor);
        return $found if $found;
        push @tried, "pkg-config: libdir $libdir has no libepp." . _so_ext();
    }
    # 3. The system's standard paths and the ldconfig cache.
    if (eval { require FFI::CheckLib; 1 }) {
        my @found = FFI::CheckLib::find_lib(lib => 'epp');
        return $found[0] if @found;
        push @tried, 'FFI::CheckLib: find_lib(lib => "epp") found nothing in the standard paths';
    } else {
        push @tried, 'FFI::CheckLib: not installed';
    }
    # 4. A checkout of the libepp repository: perl/lib/LibEPP/Library.pm
    #    with target/c/release/libepp.so (`make` at the repository root).
    my $here = dirname(File::Spec->rel2abs(__FILE__));
    my $repo = File::Spec->catfile($here, (File::Spec->updir) x 3,
                                   qw(target c release), 'libepp.' . _so_ext());
    if (-f $repo) {
        my $abs = eval { require Cwd; Cwd::abs_path($repo) };
        return $abs // $repo;
    }
    push @tried, "the repository build $repo: none";
    croak "LibEPP: cannot find libepp.so (tried: " . join('; ', @tried) . "). "
        . "Install libepp with `make install` at the root of the libepp repository "
        . "(PREFIX=/usr/local by default; for another prefix set "
        . "PKG_CONFIG_PATH=PREFIX/lib/pkgconfig), or set LIBEPP_LIB to the path of libepp.so";
}

sub check_version {
    my ($class, $path, $v, $major, $minor, $binding) = @_;
    my ($lmajor, $lminor) = ($v // '') =~ /^(\d+)\.(\d+)\./
        or croak "LibEPP: $path reports an unreadable version '" . ($v // '') . "'";
    # The ABI is the header's version (EPP_VERSION_*): libepp's soname is
    # libepp.so.0.MINOR while the major version is 0, so each 0.x changes it.
    return 1 if $lmajor == $major && ($major != 0 || $lminor == $minor);
    croak sprintf("LibEPP: %s is libepp %s, but this binding (LibEPP %s) was written for "
                  . "the %d.%d ABI: install libepp %d.%d.x (`make install`) and point LIBEPP_LIB "
                  . "or PKG_CONFIG_PATH at it, or install the LibEPP of libepp %s",
                  $path, $v, $binding // '?', $major, $minor, $major, $minor, $v);
}

1;

__END__

=head1 NAME

LibEPP::Library - where libepp's shared library is

=head1 SYNOPSIS

  use LibEPP::Library;
  my $path = LibEPP::Library->find(major => 0, minor => 5);   # croaks when none

=head1 DESCRIPTION

L<LibEPP> loads libepp from the path this module finds; C<Makefile.PL>
uses it to refuse to configure without a libepp. It loads no FFI.

=head1 METHODS

=head2 LibEPP::Library->find(major => $major, minor => $minor)

The path of libepp's shared library, from, in order:

=over

=item 1.

the environment variable C<LIBEPP_LIB> (croaks when it names no file);

=item 2.

C<pkg-config --variable=libdir epp> (C<$ENV{PKG_CONFIG}> or
C<pkg-config>, honouring C<PKG_CONFIG_PATH>): where C<make install> of
libepp put it, C<libepp.so> or C<libepp.so.MAJOR.MINOR> in that directory;

=item 3.

L<FFI::CheckLib>'s C<find_lib(lib =E<gt> 'epp')> (the standard library
paths, the ldconfig cache and C<FFI_CHECKLIB_PATH>) when it is installed;

=item 4.

C<target/c/release/libepp.so> of the libepp repository this module sits in.

=back

Croaks, naming everything it tried and how to fix it, when none is found.

=head2 LibEPP::Library->check_version($path, $version, $major, $minor, [$binding])

Returns true when C<$version> (C<epp_version> of the library at C<$path>)
is of the C<$major>.C<$minor> ABI (while C<$major> is 0, each minor
version is its own ABI); croaks naming both versions and what to install
otherwise.

=head2 LibEPP::Library->pkg_config_libdir([\@tried])

pkg-config's C<libdir> of C<epp>, or C<undef> (the reason pushed on
C<@tried>).

=head2 LibEPP::Library->candidates_in($dir, $major, $minor)

The files of C<$dir> that may be libepp (C<libepp.so>, then
C<libepp.so.MAJOR.MINOR>), existing ones only.

=cut
