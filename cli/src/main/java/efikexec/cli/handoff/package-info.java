/** What `efikexec handoff` needs from the target beyond the run: the console the stub reports on. */
package efikexec.cli.handoff;
