package TestEPP;

# Helpers shared by the LibEPP tests: RFC 5734 framing, EPP frames to feed,
# a standard config, and a few readers of the XML libepp writes.

use strict;
use warnings;

use Carp qw(croak);
use Exporter qw(import);
use Scalar::Util qw(blessed);
use LibEPP::Config;
use LibEPP::Server;
use LibEPP::Session;

our @EXPORT = qw(
    NOW EPP_NS DOMAIN_NS CONTACT_NS HOST_NS SECDNS_NS
    frame unframe test_config test_server new_session greet
    login_xml hello_xml logout_xml poll_req_xml poll_ack_xml command_xml
    result_code result_codes msgq cltrid_of svtrid_of is_greeting
    login_ok feed_all
);

use constant NOW        => 1_800_000_000_000;
use constant EPP_NS     => 'urn:ietf:params:xml:ns:epp-1.0';
use constant DOMAIN_NS  => 'urn:ietf:params:xml:ns:domain-1.0';
use constant CONTACT_NS => 'urn:ietf:params:xml:ns:contact-1.0';
use constant HOST_NS    => 'urn:ietf:params:xml:ns:host-1.0';
use constant SECDNS_NS  => 'urn:ietf:params:xml:ns:secDNS-1.1';

sub frame {
    my ($xml) = @_;
    utf8::encode($xml) if utf8::is_utf8($xml);
    return pack('N', length($xml) + 4) . $xml;
}

# Splits wire bytes into the XML of each frame; croaks unless they are a
# whole number of well-formed RFC 5734 frames.
sub unframe {
    my ($bytes) = @_;
    my @frames;
    while (length $bytes) {
        croak "unframe: " . length($bytes) . " bytes left, less than a header" if length($bytes) < 4;
        my $len = unpack('N', $bytes);
        croak "unframe: frame length $len below 5" if $len < 5;
        croak "unframe: frame length $len, only " . length($bytes) . " bytes" if $len > length $bytes;
        push @frames, substr($bytes, 4, $len - 4);
        substr($bytes, 0, $len, '');
    }
    return @frames;
}

sub test_config {
    my (%extra) = @_;
    return LibEPP::Config->new(
        server_id      => 'LibEPP Perl Test Registry',
        object_uris    => [DOMAIN_NS, CONTACT_NS, HOST_NS],
        extension_uris => [SECDNS_NS],
        sv_trid_prefix => 'PT',
        sv_trid_epoch  => 1,
        %extra,
    );
}

# A server started at NOW (server options: registrar_sessions...).
sub test_server {
    my ($config, %args) = @_;
    return LibEPP::Server->new(config => $config // test_config(), now => NOW, %args);
}

# A session at NOW of a server, or of a new server of a config.
sub new_session {
    my ($server, %args) = @_;
    $server = test_server($server) if !blessed($server) || $server->isa('LibEPP::Config');
    return LibEPP::Session->new(server => $server, now => NOW, %args);
}

# A session whose greeting has been taken.
sub greet {
    my $s = new_session(@_);
    my @g = unframe($s->drain_output);
    croak "greet: expected one greeting frame" if @g != 1 || !is_greeting($g[0]);
    return $s;
}

sub login_xml {
    my (%o) = @_;
    my $objs = join '', map { "<objURI>$_</objURI>" } @{$o{objs} || [DOMAIN_NS]};
    my $exts = $o{exts} && @{$o{exts}}
        ? '<svcExtension>' . join('', map { "<extURI>$_</extURI>" } @{$o{exts}}) . '</svcExtension>'
        : '';
    my $newpw = defined $o{newpw} ? "<newPW>$o{newpw}</newPW>" : '';
    my $cl = defined $o{cltrid} ? "<clTRID>$o{cltrid}</clTRID>" : '';
    return qq{<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">}
         . qq{<command><login><clID>} . ($o{clid} // 'registrar1') . qq{</clID><pw>}
         . ($o{pw} // 'secret-pw1') . qq{</pw>$newpw<options><version>1.0</version><lang>}
         . ($o{lang} // 'en') . qq{</lang></options><svcs>$objs$exts</svcs></login>$cl</command></epp>};
}

sub hello_xml {
    return qq{<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>};
}

sub _cmd {
    my ($inner, $cltrid) = @_;
    my $cl = defined $cltrid ? "<clTRID>$cltrid</clTRID>" : '';
    return qq{<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0">}
         . qq{<command>$inner$cl</command></epp>};
}

sub logout_xml   { _cmd('<logout/>', $_[0]) }
sub poll_req_xml { _cmd('<poll op="req"/>', $_[0]) }
sub poll_ack_xml { _cmd(qq{<poll op="ack" msgID="$_[0]"/>}, $_[1]) }

# command_xml($verb, $object_element, %o): o = (cltrid, extension, op)
sub command_xml {
    my ($verb, $object, %o) = @_;
    my $op = defined $o{op} ? qq{ op="$o{op}"} : '';
    my $ext = defined $o{extension} ? "<extension>$o{extension}</extension>" : '';
    return _cmd("<$verb$op>$object</$verb>$ext", $o{cltrid});
}

sub result_codes { my ($xml) = @_; return $xml =~ /<result code="(\d+)"/g }
sub result_code  { (result_codes($_[0]))[0] }
sub cltrid_of    { $_[0] =~ m{<clTRID>([^<]*)</clTRID>} ? $1 : undef }
sub svtrid_of    { $_[0] =~ m{<svTRID>([^<]*)</svTRID>} ? $1 : undef }
sub is_greeting  { $_[0] =~ m{<greeting>} ? 1 : 0 }

sub msgq {
    my ($xml) = @_;
    return undef if $xml !~ m{<msgQ\b([^>]*)>(.*?)</msgQ>|<msgQ\b([^>]*)/>}s;
    my $attrs = $1 // $3;
    my $body = $2 // '';
    my %q;
    $q{count} = $1 if $attrs =~ /count="(\d+)"/;
    $q{id} = $1 if $attrs =~ /id="([^"]*)"/;
    $q{msg} = $1 if $body =~ m{<msg[^>]*>(.*?)</msg>}s;
    $q{qdate} = $1 if $body =~ m{<qDate>(.*?)</qDate>}s;
    return \%q;
}

# Feeds a frame and returns the single request it makes (or undef).
sub feed_all {
    my ($s, $xml, $now) = @_;
    $s->feed_input(frame($xml), $now // NOW);
    return $s->poll_queue;
}

# Logs in and returns the session's responses so far.
sub login_ok {
    my ($s, %o) = @_;
    my $r = feed_all($s, login_xml(%o));
    croak "login_ok: no login request" if !$r || !$r->is_login;
    my $code = $r->answer_login('accepted');
    croak "login_ok: login answered $code" if $code != 1000;
    my @f = unframe($s->drain_output);
    croak "login_ok: response " . ($f[0] // '(none)') if @f != 1 || result_code($f[0]) != 1000;
    return $f[0];
}

1;
