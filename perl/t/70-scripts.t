use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Encode ();
use Scalar::Util qw(blessed);

use LibEPP qw(:result :close);
use LibEPP::Config;
use LibEPP::PollMessage;
use LibEPP::RegistrarSessions;
use LibEPP::Response;
use LibEPP::Server;
use LibEPP::Session;

# The session transcripts, through the Perl binding.
#
# Every tests/scripts/NAME.script of the repository is run through LibEPP and
# the transcript it produces must equal NAME.transcript beside it byte for
# byte: the same text the Rust reference runner (tests/transcripts.rs) writes.
# Each script runs twice: with its feed steps as written, and with every byte
# fed in a call of its own. The formats are described in
# tests/scripts/README.md; this runner follows the Rust one line for line,
# and the host loop is the binding's own: feed_input takes every byte, no
# buffer of the runner's.

my $SCRIPTS = "$FindBin::Bin/../../tests/scripts";
plan skip_all => "no $SCRIPTS (not a checkout of the libepp repository)" if !-d $SCRIPTS;

# The text of a poll message answered with `poll resdata` or `poll extension`.
use constant DATA_MESSAGE_TEXT => 'message with data';

# A script that is malformed or does not fit the session: an error of the
# script, never a transcript line.
sub script_error { die { script_error => $_[0] } }

sub error_text {
    my ($e) = @_;
    return ref $e eq 'HASH' && exists $e->{script_error} ? $e->{script_error} : undef;
}

# ---------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------

# Splits at the first space: (word, rest); rest is '' without a space.
sub word {
    my ($s) = @_;
    my $i = index($s, ' ');
    return $i < 0 ? ($s, '') : (substr($s, 0, $i), substr($s, $i + 1));
}

sub parse_u64 {
    my ($s, $what) = @_;
    script_error("$what: \"$s\" is not a decimal number") if $s !~ /\A[0-9]+\z/;
    (my $digits = $s) =~ s/^0+(?=\d)//;
    script_error("$what: \"$s\": number too large to fit in target type")
        if length($digits) > 20 || (length($digits) == 20 && $digits gt '18446744073709551615');
    return $digits;
}

# An RFC 5730 result code: libepp itself says which are.
sub parse_code {
    my ($s) = @_;
    my $code = parse_u64($s, 'result code');
    my $ok = eval { LibEPP::Response->new($code); 1 };
    if (!$ok) {
        my $e = $@;
        die $e if !blessed($e) || !$e->isa('LibEPP::Error::InvalidArgument');
        script_error("$s is not an RFC 5730 result code");
    }
    return $code;
}

sub frame_bytes {
    my ($xml) = @_;
    my $body = Encode::encode('UTF-8', $xml);
    return pack('N', length($body) + 4) . $body;
}

sub parse_hex {
    my ($s) = @_;
    (my $digits = $s) =~ tr/ //d;
    script_error("raw: \"$s\" is not an even, non-zero number of hex digits")
        if !length($digits) || length($digits) % 2;
    my $out = '';
    for my $pair ($digits =~ /(..)/g) {
        script_error("raw: \"$pair\" is not a hex byte") if $pair !~ /\A[0-9a-fA-F]{2}\z/;
        $out .= chr(hex $pair);
    }
    return $out;
}

sub message_of { length $_[0] ? $_[0] : undef }

# An answer: [method, code making its arguments after the request id]. The
# libepp objects are made when the answer is given.
sub parse_answer {
    my ($rest) = @_;
    (my $n, $rest) = word($rest);
    $n = parse_u64($n, 'answer number');
    script_error('answer numbers start at 1') if $n == 0;
    (my $kind, $rest) = word($rest);
    if ($kind eq 'login') {
        my %names = (accept => 'accepted', bad => 'bad_credentials', disabled => 'account_disabled',
                     limit => 'session_limit_exceeded', failed => 'failed');
        my $name = $names{$rest} // script_error("unknown login answer \"$rest\"");
        return ($n, ['answer_login', sub { $name }]);
    }
    if ($kind eq 'poll') {
        (my $what, $rest) = word($rest);
        return ($n, ['answer_poll_empty', sub { () }]) if $what eq 'empty' && $rest eq '';
        if ($what eq 'message') {
            my @p = split / /, $rest, 5;
            script_error('poll message needs <msgid> <count> <qdate_ms> <lang> <text>') if @p < 4;
            my ($id, $count, $at) = (parse_u64($p[0], 'msgid'), parse_u64($p[1], 'count'),
                                     parse_u64($p[2], 'qdate_ms'));
            my %m = (id => $id, count => $count, queued_at => $at, text => $p[4] // '',
                     ($p[3] ne '-' ? (lang => $p[3]) : ()));
            return ($n, ['answer_poll_message', sub { LibEPP::PollMessage->new(%m) }]);
        }
        if ($what eq 'msgxml') {
            my @p = split / /, $rest, 4;
            script_error('poll msgxml needs <msgid> <count> <qdate_ms> <xml>') if @p < 4;
            my %m = (id => parse_u64($p[0], 'msgid'), count => parse_u64($p[1], 'count'),
                     queued_at => parse_u64($p[2], 'qdate_ms'), text => '', msg_xml => $p[3]);
            return ($n, ['answer_poll_message', sub { LibEPP::PollMessage->new(%m) }]);
        }
        if ($what eq 'resdata' || $what eq 'extension') {
            my @p = split / /, $rest, 4;
            script_error("poll $what needs <msgid> <count> <qdate_ms> <xml>") if @p < 4;
            my %m = (id => parse_u64($p[0], 'msgid'), count => parse_u64($p[1], 'count'),
                     queued_at => parse_u64($p[2], 'qdate_ms'), text => DATA_MESSAGE_TEXT,
                     ($what eq 'resdata' ? 'res_data' : 'extension') => $p[3]);
            return ($n, ['answer_poll_message', sub { LibEPP::PollMessage->new(%m) }]);
        }
        script_error("unknown poll answer \"$rest\"");
    }
    if ($kind eq 'ack') {
        (my $what, $rest) = word($rest);
        if ($what eq 'acked') {
            my $remaining = parse_u64($rest, 'remaining');
            return ($n, ['answer_ack', sub { $remaining }]);
        }
        return ($n, ['answer_ack_unknown', sub { () }]) if $what eq 'unknown' && $rest eq '';
        script_error("unknown ack answer \"$what\"");
    }
    if ($kind eq 'command') {
        my ($code, $msg) = word($rest);
        $code = parse_code($code);
        $msg = message_of($msg);
        return ($n, ['answer_command',
                     sub { LibEPP::Response->new($code, defined $msg ? (message => $msg) : ()) }]);
    }
    if ($kind eq 'resdata' || $kind eq 'extension') {
        my ($code, $xml) = word($rest);
        $code = parse_code($code);
        my $opt = $kind eq 'resdata' ? 'res_data' : 'extension';
        return ($n, ['answer_command', sub { LibEPP::Response->new($code, $opt => $xml) }]);
    }
    if ($kind eq 'failure') {
        my $msg = message_of($rest);
        return ($n, ['answer_failure', sub { $msg }]);
    }
    script_error("unknown answer kind \"$kind\"");
}

# script key => [Config limit, bits of the core's field]
my %LIMIT_KEYS = (
    max_frame_size    => 32,
    max_in_flight     => 64,
    max_failed_logins => 32,
    login_deadline_ms => 64,
    idle_timeout_ms   => 64,
);

sub set_config {
    my ($c, $rest) = @_;
    my ($key, $value) = word($rest);
    if    ($key eq 'server_id')      { $c->{server_id} = $value }
    elsif ($key eq 'object_uri')     { push @{$c->{object_uris}}, $value }
    elsif ($key eq 'extension_uri')  { push @{$c->{extension_uris}}, $value }
    elsif ($key eq 'language')       { push @{$c->{languages}}, $value }
    elsif ($key eq 'sv_trid_prefix') { $c->{sv_trid_prefix} = $value }
    elsif ($key eq 'sv_trid_epoch')  { $c->{sv_trid_epoch} = parse_u64($value, $key) }
    elsif (exists $LIMIT_KEYS{$key}) {
        my $n = parse_u64($value, $key);
        script_error("$key: out of range integral type conversion attempted")
            if $LIMIT_KEYS{$key} == 32 && $n > 4294967295;
        $c->{limits}{$key} = $n;
    }
    elsif ($key eq 'registrar_sessions') { $c->{registrar_sessions} = parse_u64($value, $key) }
    elsif ($key eq 'unhandled_namespaces') {
        script_error("$key: \"$value\" is not on or off") if $value ne 'on' && $value ne 'off';
        $c->{unhandled_namespaces} = $value eq 'on' ? 1 : 0;
    }
    else { script_error("unknown config key \"$key\"") }
}

sub parse_script {
    my ($text) = @_;
    my %config = (server_id => 'libepp test server', object_uris => [], extension_uris => [],
                  languages => [], limits => {});
    my @steps;
    my $started = 0;
    my $lineno = 0;
    for my $line (split /\n/, $text, -1) {
        $lineno++;
        $line =~ s/\r\z//;
        next if $line eq '' || substr($line, 0, 1) eq '#';
        my $step = eval {
            my ($keyword, $rest) = word($line);
            if ($keyword eq 'config') {
                script_error('config after start') if $started;
                set_config(\%config, $rest);
                return undef;
            }
            if ($keyword eq 'start') {
                script_error('one session per script') if $started;
                $started = 1;
                return { kind => 'start', ms => parse_u64($rest, 'start') };
            }
            script_error('a step before start') if !$started;
            return { kind => 'now', ms => parse_u64($rest, 'now') } if $keyword eq 'now';
            return { kind => 'feed', data => frame_bytes($rest) } if $keyword eq 'frame';
            return { kind => 'feed', data => parse_hex($rest) } if $keyword eq 'raw';
            if ($keyword eq 'split') {
                my ($n, $xml) = word($rest);
                $n = parse_u64($n, 'split size');
                script_error('split size must be at least 1') if $n == 0;
                return { kind => 'feed', data => frame_bytes($xml), chunk => $n };
            }
            return { kind => $keyword } if $keyword =~ /\A(?:eof|timeout|close)\z/ && $rest eq '';
            if ($keyword eq 'answer') {
                my ($n, $answer) = parse_answer($rest);
                return { kind => 'answer', n => $n, answer => $answer };
            }
            script_error('unknown step');
        };
        if (my $err = $@) {
            my $t = error_text($err) // die $err;
            script_error("line $lineno: $t: $line");
        }
        push @steps, [$lineno, $line, $step] if $step;
    }
    script_error('no start step') if !$started;
    return { config => \%config, steps => \@steps };
}

# ---------------------------------------------------------------------
# Transcript lines
# ---------------------------------------------------------------------

sub escape_frame {
    my ($s) = @_;
    $s =~ s/([\\\n\r])/$1 eq "\\" ? "\\\\" : $1 eq "\n" ? "\\n" : "\\r"/ge;
    return $s;
}

my %FIELD_ESCAPE = ("\\" => "\\\\", ' ' => "\\s", "\n" => "\\n", "\r" => "\\r", "\t" => "\\t");

sub escape_field {
    my ($s) = @_;
    $s =~ s/([\\ \n\r\t\x00-\x1f\x7f])/$FIELD_ESCAPE{$1} \/\/ sprintf("\\x%02x", ord $1)/ge;
    return $s;
}

sub opt_field { defined $_[0] ? escape_field($_[0]) : '-' }

# `<` lines for output bytes: one per complete UTF-8 frame.
sub frame_lines {
    my ($data) = @_;
    my @lines;
    while (length $data) {
        my $n = length($data) >= 4 ? unpack('N', $data) : undef;
        if (!defined $n || $n < 4 || $n > length $data) {
            push @lines, '< raw ' . unpack('H*', $data);
            last;
        }
        my $xml = substr($data, 4, $n - 4);
        my $text = eval { Encode::decode('UTF-8', $xml, Encode::FB_CROAK | Encode::LEAVE_SRC) };
        push @lines, defined $text ? '< ' . escape_frame($text) : '< raw ' . unpack('H*', substr($data, 0, $n));
        substr($data, 0, $n, '');
    }
    return @lines;
}

sub end_line {
    my ($r) = @_;
    my $reason = $r->close_reason_name // 'none';
    return sprintf('bad-frame-length length=%s limit=%s', $r->close_detail(EPP_CLOSE_DETAIL_FRAME_LENGTH),
                   $r->close_detail(EPP_CLOSE_DETAIL_FRAME_LIMIT)) if $reason eq 'bad_frame_length';
    return sprintf('peer-closed-mid-frame received=%s', $r->close_detail(EPP_CLOSE_DETAIL_BYTES_RECEIVED))
        if $reason eq 'peer_closed_mid_frame';
    return sprintf('closing-response code=%s', $r->close_detail(EPP_CLOSE_DETAIL_RESULT_CODE))
        if $reason eq 'closing_response';
    return $reason =~ tr/_/-/r
        if $reason =~ /\A(?:logout|login_deadline|idle_timeout|peer_closed|too_many_failed_logins|session_limit_exceeded|host)\z/;
    return 'unknown ' . escape_field($r->close_reason_text // $reason);
}

my %ERROR_NAME = (
    EPP_RESULT_SESSION_CLOSED()   => 'closed',
    EPP_RESULT_UNKNOWN_REQUEST()  => 'unknown-request',
    EPP_RESULT_ALREADY_ANSWERED() => 'already-answered',
    EPP_RESULT_WRONG_ANSWER()     => 'wrong-answer',
    EPP_RESULT_INVALID_XML()      => 'invalid-xml',
    EPP_RESULT_INVALID_ANSWER()   => 'invalid-answer',
);

sub request_line {
    my ($n, $r) = @_;
    my $kind = $r->kind_name;
    if ($kind eq 'login') {
        return "? $n login clid=" . escape_field($r->client_id) . ' cltrid=' . opt_field($r->client_transaction_id)
            . ' pw=' . escape_field($r->password) . ' newpw=' . opt_field($r->new_password)
            . ' lang=' . escape_field($r->lang)
            . join('', map { ' obj=' . escape_field($_) } $r->object_uris)
            . join('', map { ' ext=' . escape_field($_) } $r->extension_uris)
            . ' extxml=' . opt_field($r->extension_xml);
    }
    if ($kind eq 'poll') {
        return "? $n poll cltrid=" . opt_field($r->client_transaction_id) . ' extxml=' . opt_field($r->extension_xml);
    }
    if ($kind eq 'poll_ack') {
        return "? $n ack msgid=" . $r->message_id . ' cltrid=' . opt_field($r->client_transaction_id)
            . ' extxml=' . opt_field($r->extension_xml);
    }
    if ($kind eq 'command') {
        return "? $n command verb=" . $r->verb_name . ' object=' . escape_field($r->object_uri)
            . ' cltrid=' . opt_field($r->client_transaction_id) . ' op=' . opt_field($r->transfer_op_name)
            . join('', map { ' ext=' . escape_field($_) } $r->extension_uris)
            . ' extxml=' . opt_field($r->extension_xml) . ' xml=' . escape_field($r->object_xml);
    }
    if ($kind eq 'extension') {
        return "? $n extension" . join('', map { ' ext=' . escape_field($_) } $r->extension_uris)
            . ' xml=' . escape_field($r->extension_xml);
    }
    return "? $n unknown " . escape_field($kind);
}

# ---------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------

sub build_server {
    my ($c, $now) = @_;
    my $config = eval {
        LibEPP::Config->new(
            server_id      => $c->{server_id},
            object_uris    => $c->{object_uris},
            extension_uris => $c->{extension_uris},
            languages      => $c->{languages},
            (defined $c->{sv_trid_prefix} ? (sv_trid_prefix => $c->{sv_trid_prefix}) : ()),
            (defined $c->{sv_trid_epoch} ? (sv_trid_epoch => $c->{sv_trid_epoch}) : ()),
            limits         => $c->{limits},
            unhandled_namespaces => $c->{unhandled_namespaces},
        );
    } or script_error("configuration refused: $@");
    return LibEPP::Server->new(
        config => $config, now => $now,
        (defined $c->{registrar_sessions}
            ? (registrar_sessions => LibEPP::RegistrarSessions->new($c->{registrar_sessions})) : ()),
    );
}

# Takes everything the session has for the host: requests, then output.
sub collect {
    my ($run, $b) = @_;
    my $s = $run->{session};
    while (my $r = $s->poll_queue) {
        if ($r->is_session_end) {
            push @{$b->{queue}}, '! end ' . end_line($r);
        } else {
            push @{$run->{ids}}, $r->id;
            push @{$b->{queue}}, request_line(scalar @{$run->{ids}}, $r);
        }
    }
    $b->{output} .= $s->drain_output;
}

sub step {
    my ($run, $step, $b) = @_;
    my $s = $run->{session};
    my $kind = $step->{kind};
    if ($kind eq 'start') {
        script_error('one session per script');
    } elsif ($kind eq 'now') {
        script_error('time may not move while input is held back (answer the requests first)')
            if $s->buffered_input > 0;
        $run->{now} = $step->{ms};
    } elsif ($kind eq 'feed') {
        script_error('input after eof') if $run->{eof_seen};
        my $data = $step->{data};
        my $size = $run->{byte_by_byte} ? 1 : ($step->{chunk} // length $data) || 1;
        for (my $i = 0; $i < length $data; $i += $size) {
            # The session takes every byte; after it ended, the rest is
            # dropped, as a host drops what it read then.
            eval { $s->feed_input(substr($data, $i, $size), $run->{now}); 1 }
                or do { die $@ if !blessed($@) || !$@->isa('LibEPP::Error') };
            collect($run, $b);
        }
    } elsif ($kind eq 'eof') {
        $run->{eof_seen} = 1;
        $s->handle_eof($run->{now});
    } elsif ($kind eq 'timeout') {
        $s->handle_timeout($run->{now});
    } elsif ($kind eq 'close') {
        $s->close;
    } elsif ($kind eq 'answer') {
        my $n = $step->{n};
        script_error("request $n was not handed out (" . scalar(@{$run->{ids}}) . ' so far)')
            if $n > @{$run->{ids}};
        my ($method, $args) = @{$step->{answer}};
        my @args = $args->();
        if (!eval { $s->$method($run->{ids}[$n - 1], @args); 1 }) {
            my $e = $@;
            die $e if !blessed($e) || !$e->isa('LibEPP::Error');
            push @{$b->{errors}}, '! error ' . ($ERROR_NAME{$e->code} // 'other');
        }
    }
    collect($run, $b);
}

# Runs a script; returns its transcript (characters).
sub run_script {
    my ($script, $byte_by_byte) = @_;
    my $first = $script->{steps}[0];
    script_error('the first step must be start') if !$first || $first->[2]{kind} ne 'start';
    my $now = $first->[2]{ms};
    my $server = build_server($script->{config}, $now);
    my $run = { session => LibEPP::Session->new(server => $server, now => $now), now => $now,
                byte_by_byte => $byte_by_byte, eof_seen => 0, ids => [] };
    my $out = '';
    my $i = 0;
    for my $st (@{$script->{steps}}) {
        my ($lineno, $line, $step) = @$st;
        my $b = { errors => [], output => '', queue => [] };
        if ($i++ == 0) {
            collect($run, $b);
        } else {
            eval { step($run, $step, $b); 1 } or do {
                my $t = error_text($@) // die $@;
                script_error("line $lineno: $t: $line");
            };
        }
        (my $state = $run->{session}->state_name) =~ tr/_/-/;
        $out .= join('', map { "$_\n" } "> $line", @{$b->{errors}}, frame_lines($b->{output}),
                     @{$b->{queue}}, "= $state");
    }
    return $out;
}

# ---------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------

sub slurp {
    my ($path) = @_;
    open(my $fh, '<:raw', $path) or die "$path: $!";
    local $/;
    return scalar <$fh>;
}

sub first_difference {
    my ($expected, $actual) = @_;
    my @e = split /\n/, $expected;
    my @a = split /\n/, $actual;
    my $max = @e > @a ? $#e : $#a;
    my ($i) = grep { ($e[$_] // "\0") ne ($a[$_] // "\0") } 0 .. $max;
    $i //= 0;
    my $d = '@@ line ' . ($i + 1) . " @@\n";
    $d .= " $_\n" for @e[($i > 3 ? $i - 3 : 0) .. $i - 1];
    $d .= '-' . ($e[$i] // '(end of transcript)') . "\n";
    $d .= '+' . ($a[$i] // '(end of transcript)') . "\n";
    if (defined $e[$i] && defined $a[$i]) {
        my ($x, $y) = ($e[$i], $a[$i]);
        my $c = 0;
        $c++ while $c < length($x) && $c < length($y) && substr($x, $c, 1) eq substr($y, $c, 1);
        my $from = $c > 40 ? $c - 40 : 0;
        $d .= 'first difference at character ' . ($c + 1) . ":\n-..." . substr($x, $from, 80)
            . "...\n+..." . substr($y, $from, 80) . "...\n";
    }
    return Encode::encode('UTF-8', $d);
}

opendir(my $dh, $SCRIPTS) or die "$SCRIPTS: $!";
my @files = readdir $dh;
closedir $dh;
my @names = sort map { /\A(.+)\.script\z/ ? $1 : () } @files;
ok(@names >= 40, scalar(@names) . ' scripts');
my %have = map { $_ => 1 } @names;
is_deeply([sort grep { /\.transcript\z/ && !$have{s/\.transcript\z//r} } @files], [],
          'no transcript without its script');

for my $name (@names) {
    subtest $name => sub {
        my $text = Encode::decode('UTF-8', slurp("$SCRIPTS/$name.script"), Encode::FB_CROAK);
        my $script = parse_script($text);
        my $expected = slurp("$SCRIPTS/$name.transcript");
        my $actual = Encode::encode('UTF-8', run_script($script, 0));
        ok($actual eq $expected, "$name: the transcript equals $name.transcript byte for byte")
            or diag("the transcript differs from $name.transcript (- golden, + this run):\n"
                    . first_difference(Encode::decode('UTF-8', $expected), Encode::decode('UTF-8', $actual)));
        my $one = Encode::encode('UTF-8', run_script($script, 1));
        ok($one eq $actual, "$name: the same fed one byte per call")
            or diag("fed one byte per call, the transcript differs (- as written, + byte by byte):\n"
                    . first_difference(Encode::decode('UTF-8', $actual), Encode::decode('UTF-8', $one)));
    };
}

# The parser and the runner refuse what is not a script.
my $HEAD = "config object_uri urn:ietf:params:xml:ns:domain-1.0\nconfig sv_trid_epoch 7\nstart 0\n";
my $LOGIN = 'frame <epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><login><clID>registrar1</clID>'
          . '<pw>secret-pw1</pw><options><version>1.0</version><lang>en</lang></options><svcs>'
          . "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs></login></command></epp>\n";
for my $case (
    ["frame <hello/>\n", 'a step before start'],
    ["start 0\nstart 1\n", 'one session per script'],
    ["start 0\nconfig max_in_flight 2\n", 'config after start'],
    ["start 0\nraw 0\n", 'hex digits'],
    ["start 0\nraw 0g\n", 'hex byte'],
    ["start 0\nanswer 0 poll empty\n", 'start at 1'],
    ["start 0\nanswer 1 login maybe\n", 'unknown login answer'],
    ["start 0\nanswer 1 command 1234\n", 'not an RFC 5730 result code'],
    ["start 0\nsplit 0 <hello/>\n", 'at least 1'],
    ["start 0\nfly\n", 'unknown step'],
    ["config colour blue\nstart 0\n", 'unknown config key'],
    ["config unhandled_namespaces yes\nstart 0\n", 'is not on or off'],
    ["start 0\nanswer 1 poll msgxml 1 1 0\n", 'poll msgxml needs'],
    ["config max_frame_size 4294967296\nstart 0\n", 'out of range'],
    ["start 18446744073709551616\n", 'too large'],
    ["# nothing\n", 'no start step'],
) {
    my ($text, $what) = @$case;
    my $err = eval { parse_script($text); 1 } ? undef : error_text($@);
    like($err // '(accepted)', qr/\Q$what\E/, "the parser refuses: $what");
}
for my $case (
    ["answer 1 poll empty\n", 'was not handed out'],
    ["eof\nframe <epp/>\n", 'input after eof'],
    [$LOGIN . qq{frame <epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>\nnow 5\n}, 'time may not move'],
) {
    my ($tail, $what) = @$case;
    my $err = eval { run_script(parse_script($HEAD . $tail), 0); 1 } ? undef : error_text($@);
    like($err // '(accepted)', qr/\Q$what\E/, "the runner refuses: $what");
}
{
    my $err = eval { run_script(parse_script("start 0\n"), 0); 1 } ? undef : error_text($@);
    like($err // '(accepted)', qr/configuration refused: .*object_uris/, 'the runner needs an object URI');
    my $s = parse_script("# c\r\n\r\nconfig object_uri urn:x\r\nstart 5\r\neof\r\n");
    is(scalar @{$s->{steps}}, 2, 'CR LF lines, comments and empty lines');
    is($s->{steps}[1][1], 'eof', 'the CR is removed');
    is_deeply($s->{config}{object_uris}, ['urn:x'], 'config lines');
}

done_testing;
