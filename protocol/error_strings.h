// Every reply line memcached 1.6's text protocol emits, spelled once.
//
// Lines are kept without their trailing "\r\n"; encoders add it. The set was
// taken from memcached 1.6.18 itself (its binary's string table and
// proto_text.c), so differential tests can pin our bytes to its bytes. Keep
// the exact spelling, including odd capitalisation and double spaces: clients
// match on these strings.
#ifndef TANDEM_PROTOCOL_ERROR_STRINGS_H_
#define TANDEM_PROTOCOL_ERROR_STRINGS_H_

#include <string_view>

namespace tandem::protocol {

// ---------------------------------------------------------------------------
// Normal replies.
// ---------------------------------------------------------------------------
inline constexpr std::string_view kStored = "STORED";
inline constexpr std::string_view kNotStored = "NOT_STORED";
inline constexpr std::string_view kExists = "EXISTS";
inline constexpr std::string_view kNotFound = "NOT_FOUND";
inline constexpr std::string_view kDeleted = "DELETED";
inline constexpr std::string_view kTouched = "TOUCHED";
inline constexpr std::string_view kOk = "OK";
inline constexpr std::string_view kEnd = "END";
inline constexpr std::string_view kReset = "RESET";
// Prefixes: "VERSION 1.6.18", "VALUE key flags bytes [cas]", "STAT name value".
inline constexpr std::string_view kVersionPrefix = "VERSION ";
inline constexpr std::string_view kValuePrefix = "VALUE ";
inline constexpr std::string_view kStatPrefix = "STAT ";

// ---------------------------------------------------------------------------
// ERROR: unknown command or wrong number of tokens.
// ---------------------------------------------------------------------------
inline constexpr std::string_view kError = "ERROR";
inline constexpr std::string_view kErrorTooManyConnections =
    "ERROR Too many open connections";
// refresh_certs without -Z (memcached's own capitalisation).
inline constexpr std::string_view kErrorTlsNotEnabled = "Error TLS not enabled";
// `extstore ...`: tandemd has no external storage (and refuses -o ext_path),
// so a setting can never take effect; memcached without extstore answers OK.
inline constexpr std::string_view kErrorExtstoreNotSupported = "SERVER_ERROR extstore is not supported";
inline constexpr std::string_view kErrorShutdownNotEnabled =
    "ERROR: shutdown not enabled";

// ---------------------------------------------------------------------------
// CLIENT_ERROR: the request was malformed. Classic text commands.
// ---------------------------------------------------------------------------
// Bad numbers in storage/verbosity lines and keys over 250 bytes anywhere.
inline constexpr std::string_view kClientErrorBadFormat =
    "CLIENT_ERROR bad command line format";
// `stats` with too few arguments (e.g. "stats cachedump 1").
inline constexpr std::string_view kClientErrorBadCommandLine =
    "CLIENT_ERROR bad command line";
// Two spaces after the period, as memcached spells it.
inline constexpr std::string_view kClientErrorDeleteUsage =
    "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]";
// The data block did not end in "\r\n".
inline constexpr std::string_view kClientErrorBadDataChunk =
    "CLIENT_ERROR bad data chunk";
inline constexpr std::string_view kClientErrorNonNumeric =
    "CLIENT_ERROR cannot increment or decrement non-numeric value";
inline constexpr std::string_view kClientErrorInvalidDelta =
    "CLIENT_ERROR invalid numeric delta argument";
inline constexpr std::string_view kClientErrorInvalidExptime =
    "CLIENT_ERROR invalid exptime argument";
inline constexpr std::string_view kClientErrorFlushAllNotAllowed =
    "CLIENT_ERROR flush_all not allowed";
inline constexpr std::string_view kClientErrorInvalidShutdownMode =
    "CLIENT_ERROR invalid shutdown mode";
inline constexpr std::string_view kClientErrorStatsDetailUsage =
    "CLIENT_ERROR usage: stats detail on|off|dump";
inline constexpr std::string_view kClientErrorCachedumpNotAllowed =
    "CLIENT_ERROR stats cachedump not allowed";
inline constexpr std::string_view kClientErrorIllegalSlabId =
    "CLIENT_ERROR Illegal slab id";
inline constexpr std::string_view kClientErrorSlabReassignDisabled =
    "CLIENT_ERROR slab reassignment disabled";
inline constexpr std::string_view kClientErrorLruCrawlerDisabled =
    "CLIENT_ERROR lru crawler disabled";
inline constexpr std::string_view kClientErrorCrawlerSleepTooLong =
    "CLIENT_ERROR sleep must be one second or less";
inline constexpr std::string_view kClientErrorWatchNotAllowed =
    "CLIENT_ERROR watch commands not allowed";
// ASCII authentication (-Y).
inline constexpr std::string_view kClientErrorUnauthenticated =
    "CLIENT_ERROR unauthenticated";
inline constexpr std::string_view kClientErrorAuthFailure =
    "CLIENT_ERROR authentication failure";
inline constexpr std::string_view kClientErrorBadAuthTokenFormat =
    "CLIENT_ERROR bad authentication token format";
inline constexpr std::string_view kClientErrorBadLineTermination =
    "CLIENT_ERROR bad command line termination";

// ---------------------------------------------------------------------------
// CLIENT_ERROR: meta commands (mg/ms/md/ma/me).
// ---------------------------------------------------------------------------
inline constexpr std::string_view kClientErrorBadToken =
    "CLIENT_ERROR bad token in command line format";
inline constexpr std::string_view kClientErrorDuplicateFlag =
    "CLIENT_ERROR duplicate flag";
inline constexpr std::string_view kClientErrorInvalidFlag =
    "CLIENT_ERROR invalid flag";
inline constexpr std::string_view kClientErrorInvalidOrDuplicateFlag =
    "CLIENT_ERROR invalid or duplicate flag";
inline constexpr std::string_view kClientErrorErrorDecodingKey =
    "CLIENT_ERROR error decoding key";
inline constexpr std::string_view kClientErrorMTokenLength =
    "CLIENT_ERROR incorrect length for M token";
inline constexpr std::string_view kClientErrorInvalidMsMode =
    "CLIENT_ERROR invalid mode for ms M token";
inline constexpr std::string_view kClientErrorInvalidMaMode =
    "CLIENT_ERROR invalid mode for ma M token";
inline constexpr std::string_view kClientErrorInvalidDeltaValue =
    "CLIENT_ERROR invalid numeric delta value";
inline constexpr std::string_view kClientErrorInvalidInitialValue =
    "CLIENT_ERROR invalid numeric initial value";
inline constexpr std::string_view kClientErrorOpaqueTooLong =
    "CLIENT_ERROR opaque token too long";
// memcached has both spellings: mg says "are too long", ms says "too long".
inline constexpr std::string_view kClientErrorOptionsTooLongMg =
    "CLIENT_ERROR options flags are too long";
inline constexpr std::string_view kClientErrorOptionsTooLongMs =
    "CLIENT_ERROR options flags too long";

// ---------------------------------------------------------------------------
// SERVER_ERROR: the request was fine, the server could not do it.
// ---------------------------------------------------------------------------
inline constexpr std::string_view kServerErrorObjectTooLarge =
    "SERVER_ERROR object too large for cache";
inline constexpr std::string_view kServerErrorOutOfMemoryStoring =
    "SERVER_ERROR out of memory storing object";
inline constexpr std::string_view kServerErrorOutOfMemory =
    "SERVER_ERROR out of memory";
inline constexpr std::string_view kServerErrorOutOfMemoryReading =
    "SERVER_ERROR out of memory reading request";
inline constexpr std::string_view kServerErrorOutOfMemoryGet =
    "SERVER_ERROR out of memory writing get response";
inline constexpr std::string_view kServerErrorOutOfMemoryStats =
    "SERVER_ERROR out of memory writing stats";
inline constexpr std::string_view kServerErrorUnhandledStorageType =
    "SERVER_ERROR Unhandled storage type.";
inline constexpr std::string_view kServerErrorOutputLineTooLong =
    "SERVER_ERROR output line too long";
inline constexpr std::string_view kServerErrorRefcountOverflow =
    "SERVER_ERROR refcount overflow during fetch";
// A command forwarded to the key's owner node (server/forwarding.h) was
// sent but not answered: it may have run there, so it is not run again.
inline constexpr std::string_view kServerErrorPeerLost =
    "SERVER_ERROR peer did not answer; the command may or may not have run";
// --repl-sync=strict: the write is on this node, but the replication peer
// did not apply it (it refused it: too large for its -I, or out of memory;
// or no acknowledgement came within --repl-sync-timeout, or no link).
inline constexpr std::string_view kServerErrorNotReplicated =
    "SERVER_ERROR write not applied by the replication peer";
// ma N: the autovivified item could not be allocated (capital O, as sent).
inline constexpr std::string_view kServerErrorOutOfMemoryNewItem =
    "SERVER_ERROR Out of memory allocating new item";

// ---------------------------------------------------------------------------
// Administrative replies with their own first word.
// ---------------------------------------------------------------------------
inline constexpr std::string_view kMemlimitTooSmall =
    "MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m";
inline constexpr std::string_view kMemlimitNotMegabytes =
    "MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes";
inline constexpr std::string_view kMemlimitAdjustFailed =
    "MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust";
inline constexpr std::string_view kSlabsReassignBusy =
    "BUSY currently processing reassign request";
inline constexpr std::string_view kSlabsReassignBadClass =
    "BADCLASS invalid src or dst class id";
inline constexpr std::string_view kSlabsReassignNoSpare =
    "NOSPARE source class has no spare pages";
inline constexpr std::string_view kSlabsReassignSame =
    "SAME src and dst class are identical";
inline constexpr std::string_view kLruTunePcts =
    "ERROR hot and warm pcts must not exceed 80";
inline constexpr std::string_view kLruTuneFactors =
    "ERROR hot/warm age factors must be greater than 0";
inline constexpr std::string_view kCrawlerBusy =
    "BUSY currently processing crawler request";
inline constexpr std::string_view kCrawlerBadClass =
    "BADCLASS invalid class id";
inline constexpr std::string_view kCrawlerNotStarted =
    "NOTSTARTED no items to crawl";
inline constexpr std::string_view kWatcherTooMany =
    "WATCHER_TOO_MANY log watcher limit reached";
inline constexpr std::string_view kWatcherFailed =
    "WATCHER_FAILED failed to add log watcher";
inline constexpr std::string_view kErrorMetadumpNotAllowed =
    "ERROR metadump not allowed";
inline constexpr std::string_view kCrawlerError =
    "ERROR an unknown error happened";

}  // namespace tandem::protocol

#endif  // TANDEM_PROTOCOL_ERROR_STRINGS_H_
