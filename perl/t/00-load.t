use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";

BEGIN {
    use_ok('LibEPP', qw(:all));
    use_ok($_) for qw(LibEPP::Error LibEPP::Config LibEPP::RegistrarSessions LibEPP::Server LibEPP::Session
                      LibEPP::Request LibEPP::Response LibEPP::PollMessage LibEPP::SecurityEvent
                      LibEPP::Transaction LibEPP::ClientConfig LibEPP::Client);
}

my $v = LibEPP::version();
like($v, qr/^0\.6\.\d+/, "libepp version $v (the 0.6 ABI)");
is($LibEPP::VERSION, '0.6.0', 'LibEPP version 0.6.0');
is("${\ EPP_VERSION_MAJOR}.${\ EPP_VERSION_MINOR}", '0.6', 'written for the 0.6 header');
ok(-f LibEPP::library_path(), 'loaded ' . LibEPP::library_path());
diag("libepp $v from " . LibEPP::library_path() . ", FFI::Platypus $FFI::Platypus::VERSION, perl $]");

# Every epp_result has a description and a name.
my %want = (
    EPP_RESULT_OK() => 'success', EPP_RESULT_PANIC() => qr/panic/,
    EPP_RESULT_NULL_PARAMETER() => qr/NULL/, EPP_RESULT_INVALID_LENGTH() => qr/length/,
    EPP_RESULT_INSUFFICIENT_SIZE() => qr/buffer/, EPP_RESULT_INVALID_UTF8() => qr/UTF-8/,
    EPP_RESULT_INVALID_ARGUMENT() => qr/argument/, EPP_RESULT_INDEX_OUT_OF_RANGE() => qr/index/,
    EPP_RESULT_NOT_APPLICABLE() => qr/not applicable/, EPP_RESULT_INVALID_CONFIG() => qr/configuration/,
    EPP_RESULT_SESSION_CLOSED() => qr/closed/,
    EPP_RESULT_UNKNOWN_REQUEST() => 'this session issued no request with this id',
    EPP_RESULT_WRONG_ANSWER() => qr/does not fit/, EPP_RESULT_INVALID_XML() => qr/XML/,
    EPP_RESULT_INVALID_ANSWER() => qr/not acceptable/,
    EPP_RESULT_ALREADY_ANSWERED() => 'the request was already answered',
    EPP_RESULT_INPUT_AFTER_EOF() => qr/after the end of input/,
    EPP_RESULT_INPUT_BUFFER_FULL() => qr/most input.*read only while it wants input/,
    EPP_RESULT_WRONG_STATE() => qr/state/, EPP_RESULT_SERVICE_NOT_OFFERED() => qr/service/,
    EPP_RESULT_NO_OBJECT_SERVICE() => qr/objURI/, EPP_RESULT_VERSION_NOT_OFFERED() => qr/version 1\.0/,
    EPP_RESULT_LANGUAGE_NOT_OFFERED() => qr/language/, EPP_RESULT_PASSWORD_TOO_LONG() => qr/RFC 8807/,
    EPP_RESULT_NOT_LOGGED_IN_WITH() => qr/namespace/, EPP_RESULT_INVALID_COMMAND() => qr/command/,
);
for my $code (sort { $a <=> $b } keys %want) {
    my $text = describe_result($code);
    ok(defined $text && length($text) < EPP_RESULT_DESCRIBE_MAX, "describe_result($code): " . ($text // 'undef'));
    ref $want{$code} ? like($text, $want{$code}) : is($text, $want{$code});
    like(result_name($code), qr/^EPP_RESULT_/, "result_name($code) = " . result_name($code));
}
is(describe_result(99), undef, 'describe_result of a value that is no epp_result is undef');
is(describe_result(2**40), undef, '... nor is a value beyond 32 bits');
is(result_name(99), undef, 'result_name(99) is undef');

# A few constants against epp.h.
is(EPP_REQUEST_KIND_SESSION_END, 5, 'EPP_REQUEST_KIND_SESSION_END');
is(EPP_CLOSE_REASON_HOST, 10, 'EPP_CLOSE_REASON_HOST');
is(EPP_LIMIT_MAX_XML_TEXT, 9, 'EPP_LIMIT_MAX_XML_TEXT');
is(EPP_DCP_RECIPIENT_UNRELATED, 16, 'EPP_DCP_RECIPIENT_UNRELATED');
is(EPP_LOGIN_ANSWER_FAILED, 5, 'EPP_LOGIN_ANSWER_FAILED');
is(EPP_LIMIT_MAX_BUFFERED_INPUT, 10, 'EPP_LIMIT_MAX_BUFFERED_INPUT');
is(EPP_RESULT_ALREADY_ANSWERED, 205, 'EPP_RESULT_ALREADY_ANSWERED');
is(EPP_RESULT_INPUT_BUFFER_FULL, 207, 'EPP_RESULT_INPUT_BUFFER_FULL');
is(EPP_TIMEOUT_NONE, 18446744073709551615, 'EPP_TIMEOUT_NONE is UINT64_MAX');
is(EPP_RESULT_INVALID_COMMAND, 307, 'EPP_RESULT_INVALID_COMMAND');
is(EPP_CLIENT_COMMAND_KIND_TRANSFER, 12, 'EPP_CLIENT_COMMAND_KIND_TRANSFER');
is(EPP_KEEP_ALIVE_NEVER, 18446744073709551615, 'EPP_KEEP_ALIVE_NEVER is UINT64_MAX');

# Loading: LIBEPP_LIB naming no file croaks with a clear message.
{
    my $lib = "$FindBin::Bin/../lib";
    local $ENV{LIBEPP_LIB} = '/nonexistent/libepp.so';
    my $out = `"$^X" -I"$lib" -e "use LibEPP; print qq{loaded\\n}" 2>&1`;
    isnt($? >> 8, 0, 'use LibEPP fails when LIBEPP_LIB names no file');
    like($out, qr{LIBEPP_LIB is set to '/nonexistent/libepp\.so', which is not a file}, 'with a clear message');
}
{
    my $lib = "$FindBin::Bin/../lib";
    local $ENV{LIBEPP_LIB} = LibEPP::library_path();
    my $out = `"$^X" -I"$lib" -e "use LibEPP; print LibEPP::library_path(), qq{\\n}" 2>&1`;
    is($? >> 8, 0, 'LIBEPP_LIB naming the library loads it');
    chomp $out;
    is($out, LibEPP::library_path(), '... from that path');
}

# The fallbacks, from a copy of perl/lib that has no repository beside it.
{
    require File::Temp;
    require File::Copy;
    require File::Path;
    require File::Basename;
    my $tmp = File::Temp::tempdir(CLEANUP => 1);
    my $copy = "$tmp/lib";
    File::Path::make_path("$copy/LibEPP");
    for my $pm (glob("$FindBin::Bin/../lib/LibEPP.pm"), glob("$FindBin::Bin/../lib/LibEPP/*.pm")) {
        my $rel = $pm =~ m{/lib/(LibEPP(?:/[^/]+)?\.pm)$} ? $1 : die "unexpected $pm";
        File::Copy::copy($pm, "$copy/$rel") or die "copy $pm: $!";
    }
    my $libdir = File::Basename::dirname(LibEPP::library_path());
    my $load = qq{"$^X" -I"$copy" -e "use LibEPP; print LibEPP::library_path(), qq{\\n}" 2>&1};
    local $ENV{LIBEPP_LIB} = '';
    local $ENV{FFI_CHECKLIB_PATH} = '';
    local $ENV{PKG_CONFIG_PATH} = "$tmp/none";
    local $ENV{PKG_CONFIG_LIBDIR} = "$tmp/none";

    my $out = `$load`;
    SKIP: {
        skip 'a libepp is installed on this system', 2 if $? == 0;
        like($out, qr/cannot find libepp\.so \(tried: LIBEPP_LIB: not set; pkg-config: no epp\.pc with PKG_CONFIG_PATH=\Q$tmp\E\/none; FFI::CheckLib: find_lib\(lib => "epp"\) found nothing in the standard paths; the repository build .*target.*: none\)\. Install libepp with `make install`/,
             'no library anywhere: a clear message naming what was tried, in order');
        like($out, qr/set PKG_CONFIG_PATH=PREFIX\/lib\/pkgconfig\), or set LIBEPP_LIB to the path of libepp\.so/,
             '... and how to point at one');
    }

    $ENV{FFI_CHECKLIB_PATH} = $libdir;
    $out = `$load`;
    is($? >> 8, 0, 'found through FFI::CheckLib (FFI_CHECKLIB_PATH)') or diag($out);
    like($out, qr{^\Q$libdir\E/libepp\.so}, "... $out");
    $ENV{FFI_CHECKLIB_PATH} = '';

    SKIP: {
        skip 'pkg-config is not installed', 2 if system('pkg-config --version >/dev/null 2>&1') != 0;
        File::Path::make_path("$tmp/pc");
        open(my $pc, '>', "$tmp/pc/epp.pc") or die "epp.pc: $!";
        print $pc "libdir=$libdir\nName: epp\nDescription: test\nVersion: 0.6.0\nLibs: -L\${libdir} -lepp\n";
        close $pc;
        $ENV{PKG_CONFIG_PATH} = $ENV{PKG_CONFIG_LIBDIR} = "$tmp/pc";
        my $found = `$load`;
        ok($? == 0, 'found through pkg-config (libdir of epp.pc), before FFI::CheckLib') or diag($found);
        like($found, qr{^\Q$libdir\E/libepp\.so}, "... $found");
    }
}

# The ABI check, on its own (a libepp of another version is refused before
# any function is attached).
{
    ok(LibEPP::Library->check_version('/x/libepp.so', '0.5.7', 0, 5, '0.5.0'), '0.5.7 is of the 0.5 ABI');
    for my $case (['0.4.0', '0.4 is not'], ['0.6.0', '0.6 is not'], ['1.5.0', '1.5 is not']) {
        my ($v, $what) = @$case;
        ok(!eval { LibEPP::Library->check_version('/x/libepp.so', $v, 0, 5, '0.5.0'); 1 }, "$what the 0.5 ABI");
        like($@, qr{^LibEPP: /x/libepp\.so is libepp \Q$v\E, but this binding \(LibEPP 0\.5\.0\) was written for the 0\.5 ABI: install libepp 0\.5\.x \(`make install`\) and point LIBEPP_LIB or PKG_CONFIG_PATH at it, or install the LibEPP of libepp \Q$v\E at },
             "... a message naming both versions and the fix");
    }
    ok(!eval { LibEPP::Library->check_version('/x/libepp.so', 'banana', 0, 5); 1 }, 'an unreadable version');
    like($@, qr{reports an unreadable version 'banana'}, '... is refused');
    ok(LibEPP::Library->check_version('/x/libepp.so', '1.2.0', 1, 0), 'from 1.0, the major version is the ABI');
}

# The exception class on its own.
{
    my $e = LibEPP::Error->new(code => EPP_RESULT_WRONG_ANSWER, function => 'epp_x', detail => 'why');
    is($e->code, 202, 'Error->code');
    is($e->name, 'EPP_RESULT_WRONG_ANSWER', 'Error->name');
    is($e->message, describe_result(202), 'Error->message is the libepp result text');
    is($e->detail, 'why', 'Error->detail');
    is($e->function, 'epp_x', 'Error->function');
    like("$e", qr/^libepp: epp_x: the answer does not fit the request: why at \S+ line \d+\.$/,
         'stringifies to the result text and detail, with the caller');
    isa_ok($e, 'LibEPP::Error::WrongAnswer', 'blessed into the class of its code');
    ok(!eval { LibEPP::Error->throw(code => 205); 1 }, 'throw dies');
    isa_ok($@, 'LibEPP::Error');
    isa_ok($@, 'LibEPP::Error::AlreadyAnswered');
    ok(!$@->isa('LibEPP::Error::UnknownRequest'), 'already answered is not unknown request');
    is(ref(LibEPP::Error->new(code => 201)), 'LibEPP::Error::UnknownRequest', 'code 201: UnknownRequest');
    is(ref(LibEPP::Error->new(code => 9999)), 'LibEPP::Error', 'a code without a class: LibEPP::Error');
}

done_testing;
