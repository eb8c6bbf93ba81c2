"""The bench lab: real machines for the tests, the benchmarks and the slower tier (a real sshd
on loopback answering as bench machines, with captured DMI trees). The product never imports
it; the tests and the benchmarks both do."""
