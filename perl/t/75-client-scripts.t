use strict;
use warnings;
use Test::More;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Encode ();
use Scalar::Util qw(blessed);

use LibEPP qw(:result :client);
use LibEPP::Client;
use LibEPP::ClientConfig;

# The client session transcripts, through the Perl binding.
#
# Every tests/client_scripts/NAME.script of the repository drives a
# LibEPP::Client, and the transcript it produces must equal NAME.transcript
# beside it byte for byte: the text the Rust reference runner
# (tests/client_transcripts.rs) writes. Each script runs twice: with its feed
# steps as written, and with every byte fed in a call of its own. The formats
# are described in tests/client_scripts/README.md; this runner follows the
# Rust one line for line.

my $SCRIPTS = "$FindBin::Bin/../../tests/client_scripts";
plan skip_all => "no $SCRIPTS (not a checkout of the libepp repository)" if !-d $SCRIPTS;

# A script that is malformed or does not fit: an error of the script, never
# a transcript line.
sub script_error { die { script_error => $_[0] } }

sub error_text {
    my ($e) = @_;
    return ref $e eq 'HASH' && exists $e->{script_error} ? $e->{script_error} : undef;
}

# ---------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------

sub word {
    my ($s) = @_;
    my $i = index($s, ' ');
    return $i < 0 ? ($s, '') : (substr($s, 0, $i), substr($s, $i + 1));
}

sub parse_u64 {
    my ($s, $what) = @_;
    script_error("$what: \"$s\" is not a decimal number") if $s !~ /\A[0-9]+\z/;
    (my $digits = $s) =~ s/^0+(?=\d)//;
    script_error("$what: \"$s\": number too large")
        if length($digits) > 20 || (length($digits) == 20 && $digits gt '18446744073709551615');
    return $digits;
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

my %UNESCAPE = ('\\' => '\\', s => ' ', n => "\n", r => "\r", t => "\t");

# Undoes the field escapes: \\ \s \n \r \t \xHH.
sub unescape {
    my ($s) = @_;
    my $out = '';
    while (length $s) {
        if ($s =~ s/\A([^\\]+)//) {
            $out .= $1;
        } elsif ($s =~ s/\A\\x([0-9a-fA-F]{2})//) {
            $out .= chr(hex $1);
        } elsif ($s =~ s/\A\\([\\snrt])//) {
            $out .= $UNESCAPE{$1};
        } else {
            script_error("bad escape in \"$_[0]\"");
        }
    }
    return $out;
}

my %VERBS = map { $_ => 1 } qw(check info create update delete renew transfer);
my %OPS = map { $_ => 1 } qw(request approve cancel query reject);

# The options of a command line; with $xml_follows, they end at the first
# word starting with '<', which starts the XML (returned too).
sub parse_options {
    my ($rest, $xml_follows) = @_;
    my %o;
    while (1) {
        if ($rest eq '') {
            script_error('the object XML (a word starting with <) is missing') if $xml_follows;
            return (\%o, undef);
        }
        return (\%o, $rest) if $xml_follows && substr($rest, 0, 1) eq '<';
        (my $w, $rest) = word($rest);
        my ($key, $value) = $w =~ /\A([^=]*)=(.*)\z/s or script_error("\"$w\" is not an option key=value");
        script_error("option $key given twice") if exists $o{$key};
        if ($key eq 'cltrid') {
            $o{cltrid} = unescape($value);
        } elsif ($key eq 'tag') {
            $o{tag} = parse_u64($value, 'tag');
        } elsif ($key eq 'ext') {
            $o{ext} = unescape($value);
        } elsif ($key eq 'op') {
            script_error("unknown transfer op \"$value\"") if !$OPS{$value};
            $o{op} = $value;
        } else {
            script_error("unknown option \"$key\"");
        }
    }
}

sub parse_command {
    my ($keyword, $rest) = @_;
    my ($kind, $argument, $o);
    if ($keyword =~ /\A(?:hello|login|logout|poll)\z/) {
        $kind = $keyword eq 'poll' ? 'poll_request' : $keyword;
        ($o) = parse_options($rest, 0);
    } elsif ($keyword eq 'ack') {
        (my $id, $rest) = word($rest);
        script_error('ack needs a message id') if $id eq '';
        $kind = 'poll_ack';
        $argument = unescape($id);
        ($o) = parse_options($rest, 0);
    } elsif ($keyword eq 'command') {
        (my $verb, $rest) = word($rest);
        script_error("unknown verb \"$verb\"") if !$VERBS{$verb};
        $kind = $verb;
        ($o, $argument) = parse_options($rest, 1);
    } else {
        return undef;
    }
    script_error('op= is only for command transfer') if defined $o->{op} && $kind ne 'transfer';
    return ['command', $kind, $argument, $o];
}

my %CONFIG_KEYS = map { $_ => 1 } qw(
    client_id password new_password lang object_uri required_object_uri extension_uri
    required_extension_uri max_in_flight keep_alive_ms response_deadline_ms cl_trid_prefix max_frame_size
);

sub set_config {
    my ($c, $rest) = @_;
    my ($key, $value) = word($rest);
    script_error("unknown config key \"$key\"") if !$CONFIG_KEYS{$key};
    if ($key eq 'object_uri' || $key eq 'required_object_uri') {
        push @{$c->{object_uris}}, { uri => $value, required => $key =~ /^required/ ? 1 : 0 };
    } elsif ($key eq 'extension_uri' || $key eq 'required_extension_uri') {
        push @{$c->{extension_uris}}, { uri => $value, required => $key =~ /^required/ ? 1 : 0 };
    } elsif ($key eq 'keep_alive_ms') {
        $c->{keep_alive_ms} = $value eq 'off' ? 'never' : parse_u64($value, $key);
    } elsif ($key =~ /\A(?:max_in_flight|response_deadline_ms|max_frame_size)\z/) {
        $c->{$key} = parse_u64($value, $key);
        script_error("$key: number too large") if $key eq 'max_frame_size' && $c->{$key} > 0xFFFF_FFFF;
    } else {
        $c->{$key} = $value;
    }
    return;
}

sub parse_script {
    my ($text) = @_;
    my %config = (client_id => 'ClientX', password => 'foo-BAR2');
    my @steps;
    my $started = 0;
    my $lineno = 0;
    for my $line (split /\n/, $text, -1) {
        $lineno++;
        $line =~ s/\r\z//;
        next if $line eq '' || substr($line, 0, 1) eq '#';
        my $at = sub { script_error("line $lineno: $_[0]: $line") };
        my ($keyword, $rest) = word($line);
        my $step = eval {
            if ($keyword eq 'config') {
                script_error('config after start') if $started;
                set_config(\%config, $rest);
                return 'config';
            }
            if ($keyword eq 'start') {
                script_error('one session per script') if $started;
                $started = 1;
                return ['start', parse_u64($rest, 'start')];
            }
            script_error('a step before start') if !$started;
            return ['now', parse_u64($rest, 'now')] if $keyword eq 'now';
            return ['feed', frame_bytes($rest), undef] if $keyword eq 'server';
            return ['feed', parse_hex($rest), undef] if $keyword eq 'raw';
            if ($keyword eq 'split') {
                my ($n, $xml) = word($rest);
                $n = parse_u64($n, 'split size');
                script_error('split size must be at least 1') if !$n;
                return ['feed', frame_bytes($xml), $n];
            }
            return ['eof'] if $keyword eq 'eof' && $rest eq '';
            return ['timeout'] if $keyword eq 'timeout' && $rest eq '';
            return ['close'] if $keyword eq 'close' && $rest eq '';
            return parse_command($keyword, $rest) // script_error('unknown step');
        };
        if (!defined $step) {
            my $e = error_text($@) // die $@;
            $at->($e);
        }
        next if !ref $step;
        push @steps, [$lineno, $line, $step];
    }
    script_error('no start step') if !$started;
    script_error('no config object_uri') if !$config{object_uris};
    return { config => \%config, steps => \@steps };
}

# ---------------------------------------------------------------------
# Transcript lines
# ---------------------------------------------------------------------

sub escape_frame {
    my ($s) = @_;
    $s =~ s/([\\\n\r])/$1 eq '\\' ? '\\\\' : $1 eq "\n" ? '\\n' : '\\r'/ge;
    return $s;
}

my %FIELD_ESCAPE = ('\\' => '\\\\', ' ' => '\\s', "\n" => '\\n', "\r" => '\\r', "\t" => '\\t');

sub escape_field {
    my ($s) = @_;
    $s =~ s/([\\ \n\r\t\x00-\x1f\x7f])/$FIELD_ESCAPE{$1} \/\/ sprintf("\\x%02x", ord $1)/ge;
    return $s;
}

sub opt_field { defined $_[0] ? escape_field($_[0]) : '-' }
sub opt_num { defined $_[0] ? $_[0] : '-' }
sub yes { $_[0] ? 'yes' : 'no' }

sub frame_lines {
    my ($data) = @_;
    my @lines;
    while (length $data) {
        my $n = length($data) >= 4 ? unpack('N', $data) : undef;
        if (!defined $n || $n < 4 || $n > length $data) {
            push @lines, '> raw ' . unpack('H*', $data);
            last;
        }
        my $xml = substr($data, 4, $n - 4);
        my $text = eval { Encode::decode('UTF-8', $xml, Encode::FB_CROAK | Encode::LEAVE_SRC) };
        push @lines, defined $text ? '> ' . escape_frame($text) : '> raw ' . unpack('H*', substr($data, 0, $n));
        substr($data, 0, $n, '');
    }
    return @lines;
}

my %KIND_NAME = (hello => 'hello', login => 'login', logout => 'logout', poll_request => 'poll',
                 poll_ack => 'ack', map { $_ => $_ } keys %VERBS);

sub kind_name { $KIND_NAME{$_[0]->kind_name} // 'unknown' }

my %STATE_NAME = (awaiting_greeting => 'awaiting-greeting', greeting_received => 'greeting-received',
                  login_sent => 'login-sent', logged_in => 'logged-in', logout_sent => 'logout-sent',
                  closing => 'closing', closed => 'closed');

my %ERROR_NAME = (
    EPP_RESULT_SESSION_CLOSED()       => 'closed',
    EPP_RESULT_WRONG_STATE()          => 'wrong-state',
    EPP_RESULT_SERVICE_NOT_OFFERED()  => 'service-not-offered',
    EPP_RESULT_NO_OBJECT_SERVICE()    => 'no-object-service',
    EPP_RESULT_VERSION_NOT_OFFERED()  => 'version-not-offered',
    EPP_RESULT_LANGUAGE_NOT_OFFERED() => 'language-not-offered',
    EPP_RESULT_PASSWORD_TOO_LONG()    => 'password-too-long',
    EPP_RESULT_NOT_LOGGED_IN_WITH()   => 'not-logged-in-with',
    EPP_RESULT_INVALID_XML()          => 'invalid-xml',
    EPP_RESULT_INVALID_COMMAND()      => 'invalid-command',
);

my %PROTOCOL_NAME = (bad_frame_length => 'bad-frame-length', malformed => 'malformed',
                     greeting_expected => 'greeting-expected', unexpected_greeting => 'unexpected-greeting',
                     unsolicited => 'unsolicited', cl_trid_mismatch => 'cltrid-mismatch');

sub command_fields {
    my ($c) = @_;
    return sprintf('cmd=%s kind=%s tag=%s cltrid=%s', $c->id, kind_name($c), opt_num($c->tag),
                   opt_field($c->cl_trid));
}

sub response_fields {
    my ($e) = @_;
    my $q = $e->msgq;
    my @results = $e->results;
    return join(' ',
        'code=' . $e->code,
        'msg=' . escape_field($e->message),
        'results=' . scalar(@results),
        'rcltrid=' . opt_field($e->response_cl_trid),
        'svtrid=' . opt_field($e->sv_trid),
        'msgq=' . opt_num($q && $q->{count}),
        'msgid=' . opt_field($q && $q->{id}),
        'qdate=' . opt_field($q && $q->{date}),
        'qmsg=' . opt_field($q && $q->{message}),
        'resdata=' . yes(defined $e->res_data),
        'extension=' . yes(defined $e->extension));
}

my %COMMAND_KIND_BY_VALUE = reverse %LibEPP::CLIENT_COMMAND_KIND_NAME;

sub close_fields {
    my ($e) = @_;
    my $r = $e->close_reason_name;
    return 'logout' if $r eq 'logout';
    return 'server-closing code=' . $e->close_detail('result_code') if $r eq 'server_closing';
    return 'peer-closed' if $r eq 'peer_closed';
    return 'peer-closed-mid-frame received=' . $e->close_detail('bytes_received') if $r eq 'peer_closed_mid_frame';
    return 'greeting-overdue' if $r eq 'greeting_overdue';
    return 'response-overdue cmd=' . $e->close_detail('command_id') if $r eq 'response_overdue';
    return 'host' if $r eq 'host';
    if ($r eq 'protocol') {
        my $p = $e->protocol_error_name;
        my $s = 'protocol error=' . ($PROTOCOL_NAME{$p} // 'other');
        if ($p eq 'bad_frame_length') {
            $s .= sprintf(' length=%s limit=%s', $e->close_detail('frame_length'), $e->close_detail('frame_limit'));
        } elsif ($p eq 'unexpected_greeting') {
            my $k = $LibEPP::CLIENT_COMMAND_KIND_NAME{$e->close_detail('command_kind')} // '?';
            $s .= ' answering=' . ($KIND_NAME{$k} // '?');
        } elsif ($p eq 'cl_trid_mismatch') {
            $s .= sprintf(' expected=%s received=%s', escape_field($e->expected_cl_trid),
                          escape_field($e->received_cl_trid));
        }
        return $s;
    }
    return 'other';
}

sub event_line {
    my ($e) = @_;
    my $k = $e->kind_name;
    if ($k eq 'greeting') {
        my $hello = $e->hello;
        return join(' ', '? greeting', 'hello=' . ($hello ? $hello->id : '-'),
                    'svid=' . escape_field($e->sv_id), 'svdate=' . escape_field($e->sv_date),
                    (map { 'version=' . escape_field($_) } $e->versions),
                    (map { 'lang=' . escape_field($_) } $e->languages),
                    (map { 'obj=' . escape_field($_) } $e->object_uris),
                    (map { 'ext=' . escape_field($_) } $e->extension_uris),
                    'dcp=' . opt_field($e->dcp));
    }
    if ($k eq 'login') {
        my $s = '? login ' . command_fields($e->command) . ' ' . response_fields($e);
        my $sv = $e->services;
        $s .= ' services=' . yes($sv);
        if ($sv) {
            $s .= join('', map { ' obj=' . escape_field($_) } @{$sv->{object_uris}});
            $s .= join('', map { ' ext=' . escape_field($_) } @{$sv->{extension_uris}});
            $s .= ' lang=' . escape_field($sv->{lang}) . ' loginsec=' . yes($sv->{login_security});
        }
        return $s;
    }
    return '? response ' . command_fields($e->command) . ' ' . response_fields($e) if $k eq 'response';
    return '? keepalive ' . command_fields($e->command) if $k eq 'keep_alive';
    return '? overdue ' . command_fields($e->command) if $k eq 'response_overdue';
    if ($k eq 'closed') {
        return '? closed reason=' . close_fields($e) . join('', map { ' unanswered=' . $_->id } $e->unanswered);
    }
    return "? unknown $k";
}

# ---------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------

sub collect {
    my ($client, $b) = @_;
    while (my $e = $client->poll_queue) {
        push @{$b->{events}}, event_line($e);
    }
    $b->{output} .= $client->drain_output;
    return;
}

sub send_command {
    my ($client, $now, $kind, $argument, $o, $b) = @_;
    my @opts = (now => $now);
    push @opts, extension => $o->{ext} if defined $o->{ext};
    push @opts, cl_trid => $o->{cltrid} if defined $o->{cltrid};
    push @opts, tag => $o->{tag} if defined $o->{tag};
    push @opts, op => $o->{op} if defined $o->{op};
    # The binding's own methods for each command, as a host would call them.
    my $c = eval {
        $kind eq 'hello'        ? $client->hello(@opts)
      : $kind eq 'login'        ? $client->login(@opts)
      : $kind eq 'logout'       ? $client->logout(@opts)
      : $kind eq 'poll_request' ? $client->poll(@opts)
      : $kind eq 'poll_ack'     ? $client->ack($argument, @opts)
      :                           $client->command($kind, $argument, @opts);
    };
    if (!$c) {
        my $err = $@;
        die $err if !blessed($err) || !$err->isa('LibEPP::Error');
        my $name = $ERROR_NAME{$err->code} // ($err->code >= 300 && $err->code <= 399 ? 'other' : undef);
        script_error("the command failed: $err") if !defined $name;
        push @{$b->{result}}, "! error $name";
        return;
    }
    push @{$b->{result}}, sprintf('+ %s kind=%s tag=%s cltrid=%s sent=%s', $c->id, kind_name($c),
                                  opt_num($c->tag), opt_field($c->cl_trid), opt_num($c->sent_at));
    return;
}

sub run_step {
    my ($r, $step, $byte_by_byte, $b) = @_;
    my ($what, @a) = @$step;
    my $client = $r->{client};
    if ($what eq 'start') {
        script_error('one session per script');
    } elsif ($what eq 'now') {
        $r->{now} = $a[0];
    } elsif ($what eq 'feed') {
        my ($bytes, $chunk) = @a;
        script_error('input after eof') if $r->{eof};
        my $size = $byte_by_byte ? 1 : $chunk // length $bytes;
        $size ||= 1;
        for (my $off = 0; $off < length $bytes; $off += $size) {
            my $piece = substr($bytes, $off, $size);
            # After the session ended, the rest is dropped, as a host drops
            # what it read then.
            my $ok = eval { $client->feed_input($piece, $r->{now}); 1 };
            if (!$ok) {
                my $err = $@;
                die $err if !blessed($err) || !$err->isa('LibEPP::Error::SessionClosed');
            }
            collect($client, $b);
        }
    } elsif ($what eq 'eof') {
        $r->{eof} = 1;
        $client->handle_eof($r->{now});
    } elsif ($what eq 'timeout') {
        $client->handle_timeout($r->{now});
    } elsif ($what eq 'close') {
        $client->close;
    } elsif ($what eq 'command') {
        send_command($client, $r->{now}, @a, $b);
    }
    collect($client, $b);
    return;
}

sub state_line {
    my ($c) = @_;
    return sprintf('= %s inflight=%d queued=%d buffered=%d timeout=%s', $STATE_NAME{$c->state_name} // '?',
                   $c->in_flight, $c->queued, $c->buffered_input, opt_num($c->next_timeout));
}

sub run_script {
    my ($script, $byte_by_byte) = @_;
    my ($first) = @{$script->{steps}};
    script_error('the first step must be start') if !$first || $first->[2][0] ne 'start';
    my $now = $first->[2][1];
    my $config = eval { LibEPP::ClientConfig->new(%{$script->{config}}) };
    if (!$config) {
        my $err = $@;
        die $err if !blessed($err) || !$err->isa('LibEPP::Error');
        script_error('configuration refused: ' . ($err->detail // $err->message));
    }
    my $r = { client => LibEPP::Client->new(config => $config, now => $now), now => $now, eof => 0 };
    my $out = '';
    for my $i (0 .. $#{$script->{steps}}) {
        my ($lineno, $line, $step) = @{$script->{steps}[$i]};
        my $b = { result => [], output => '', events => [] };
        if ($i == 0) {
            collect($r->{client}, $b);
        } else {
            my $ok = eval { run_step($r, $step, $byte_by_byte, $b); 1 };
            if (!$ok) {
                my $e = error_text($@) // die $@;
                script_error("line $lineno: $e: $line");
            }
        }
        $out .= "\$ $line\n";
        $out .= "$_\n" for @{$b->{result}};
        $out .= "$_\n" for frame_lines($b->{output});
        $out .= "$_\n" for @{$b->{events}};
        $out .= state_line($r->{client}) . "\n";
    }
    return $out;
}

# ---------------------------------------------------------------------
# The test
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
    my $i = 0;
    $i++ while $i < @e && $i < @a && $e[$i] eq $a[$i];
    my $d = '@@ line ' . ($i + 1) . " @@\n";
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
ok(@names >= 10, scalar(@names) . ' client scripts');
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
my $HEAD = "config object_uri urn:x\n";
for my $case (
    ["hello\n", 'a step before start'],
    ["start 0\nstart 1\n", 'one session per script'],
    ["start 0\nconfig max_in_flight 2\n", 'config after start'],
    ["start 0\nraw 0\n", 'hex digits'],
    ["start 0\nraw 0g\n", 'hex byte'],
    ["start 0\nsplit 0 <x/>\n", 'at least 1'],
    ["start 0\nfly\n", 'unknown step'],
    ["config colour blue\nstart 0\n", 'unknown config key'],
    ["# nothing\n", 'no start step'],
    ["start 0\ncommand check tag=1\n", 'object XML'],
    ["start 0\ncommand frob <x/>\n", 'unknown verb'],
    ["start 0\ncommand check op=request <x/>\n", 'only for command transfer'],
    ["start 0\ncommand transfer op=steal <x/>\n", 'unknown transfer op'],
    ["start 0\nlogin tag=1 tag=2\n", 'given twice'],
    ["start 0\nlogin colour=blue\n", 'unknown option'],
    ["start 0\nlogin oops\n", 'not an option'],
    ["start 0\npoll cltrid=a\\qb\n", 'bad escape'],
    ["start 0\nack\n", 'message id'],
) {
    my ($text, $what) = @$case;
    my $err = eval { parse_script($HEAD . $text); 1 } ? undef : error_text($@);
    like($err // '(accepted)', qr/\Q$what\E/, "the parser refuses: $what");
}
{
    my $err = eval { parse_script("start 0\n"); 1 } ? undef : error_text($@);
    like($err // '(accepted)', qr/no config object_uri/, 'the parser needs an object URI');
    $err = eval { run_script(parse_script("${HEAD}start 0\neof\nserver <epp/>\n"), 0); 1 } ? undef : error_text($@);
    like($err // '(accepted)', qr/input after eof/, 'the runner refuses input after eof');
    $err = eval { run_script(parse_script("config object_uri urn:x\nconfig max_in_flight 0\nstart 0\n"), 0); 1 }
        ? undef : error_text($@);
    like($err // '(accepted)', qr/configuration refused: .*max_in_flight/, 'a configuration libepp refuses');
    my $s = parse_script("# c\r\n\r\nconfig object_uri urn:x\r\nstart 5\r\n"
                         . "command transfer op=query tag=3 cltrid=a\\sb ext=<e\\sxmlns=\"urn:e\"/> <d:x/> tail\r\neof\r\n");
    is(scalar @{$s->{steps}}, 3, 'CR LF lines, comments and empty lines');
    is($s->{steps}[2][1], 'eof', 'the CR is removed');
    is_deeply($s->{steps}[1][2], ['command', 'transfer', '<d:x/> tail',
                                  { op => 'query', tag => 3, cltrid => 'a b', ext => '<e xmlns="urn:e"/>' }],
              'a command with every option');
    is(unescape('\\x41\\t\\\\'), "A\t\\", 'field escapes');
}

done_testing;
