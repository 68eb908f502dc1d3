#!/usr/bin/perl
# Writes a small MaxMind DB file from a JSON table of networks (network, country, asn), with
# Debian's libmaxmind-db-writer-perl: make_mmdb.pl TABLE.json OUT.mmdb
use strict;
use warnings;
use JSON::PP;
use MaxMind::DB::Writer::Tree;

my ($table_path, $out_path) = @ARGV;
open my $in, '<', $table_path or die "$table_path: $!";
my $rows = decode_json(do { local $/; <$in> });
my %types = (country => 'map', iso_code => 'utf8_string', autonomous_system_number => 'uint32');
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version => 6, record_size => 24, database_type => 'eveflow-test', languages => ['en'],
    description => {en => 'eveflow test database'}, remove_reserved_networks => 0,
    alias_ipv6_to_ipv4 => 1, map_key_type_callback => sub { $types{$_[0]} });
for my $r (@$rows) {
    my %data;
    $data{country} = {iso_code => $r->{country}} if defined $r->{country};
    $data{autonomous_system_number} = $r->{asn} if defined $r->{asn};
    $tree->insert_network($r->{network}, \%data);
}
open my $out, '>:raw', $out_path or die "$out_path: $!";
$tree->write_tree($out);
close $out;
