using System.Security.Cryptography;
using System.Text;
using LDae.Files;
using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>
/// The decoded dataset on disk, so that decoding (gzip, JPEG, resizing) happens once per machine.
/// One file holds both splits; it is written to a temporary name and renamed into place, so a file with the
/// final name is always complete — an interrupted prepare leaves only a temporary file, which readers ignore.
/// Its contents are hashed: a file changed in place afterwards (a disk error, a stray write) is detected when read
/// and rebuilt. That hash names this file's bytes (its key holds the source's path and time), so it differs from
/// machine to machine; what a result records as its data is the content digest (<see cref="DataDigest"/>), stored
/// beside the file (<see cref="CachedDataDigest"/>).
/// </summary>
/// <remarks>
/// Format (little-endian): magic "LDAEDATA", int32 version, string key, int32 class count + class names,
/// then per split: string name, int32 N, C, H, W, N int64 labels, N·C·H·W uint8 pixels; then the 32-byte SHA-256
/// of everything before it, then "LDAE-END". Strings are .NET BinaryWriter strings (7-bit length prefix, UTF-8).
/// The key records what the file was built from (dataset, source, size, limit); a file whose key, version, length
/// or hash does not match is rebuilt.
/// </remarks>
public static class DatasetCache
{
    public const int Version = 2;
    public const string Extension = ".ldds";
    static readonly byte[] Magic = "LDAEDATA"u8.ToArray();
    static readonly byte[] EndMagic = "LDAE-END"u8.ToArray();
    const int ChunkImages = 4096; // pixels move between file and tensor in slices, never as one giant array

    /// <summary>Writes <paramref name="splits"/> atomically to <paramref name="path"/> (temp file + rename); returns the contents' SHA-256 (hex).</summary>
    public static string Write(string path, string key, DatasetSplits splits)
    {
        string sha = "";
        AtomicFile.Write(path, raw =>
        {
            using var file = new HashingStream(raw);
            using var w = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
            w.Write(Magic);
            w.Write(Version);
            w.Write(key);
            w.Write(splits.Train.ClassNames.Count);
            foreach (var c in splits.Train.ClassNames) w.Write(c);
            foreach (var split in new[] { splits.Train, splits.Test })
            {
                w.Write(split.Name);
                w.Write(split.Count);
                w.Write(split.Channels);
                w.Write(split.Height);
                w.Write(split.Width);
                w.Flush();
                file.Write(split.Labels.bytes);
                for (long start = 0; start < split.Count; start += ChunkImages)
                {
                    using var chunk = split.Images.narrow(0, start, Math.Min(ChunkImages, split.Count - start));
                    file.Write(chunk.bytes);
                }
            }
            w.Flush();
            var hash = file.Hash();
            raw.Write(hash);
            raw.Write(EndMagic);
            sha = Convert.ToHexStringLower(hash);
        });
        return sha;
    }

    /// <summary>
    /// Reads the cache at <paramref name="path"/> if it exists and was built for <paramref name="key"/>;
    /// null if it is missing, stale or damaged (the reason goes to <paramref name="log"/>).
    /// </summary>
    public static DatasetSplits? TryRead(string path, string key, TextWriter? log = null)
    {
        if (!File.Exists(path)) return null;
        ImageDataset? train = null;
        try
        {
            using var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            using var file = new HashingStream(raw);
            using var r = new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic)) return Stale(log, path, "not a dataset cache file");
            int version = r.ReadInt32();
            if (version != Version) return Stale(log, path, $"format version {version}, expected {Version}");
            var fileKey = r.ReadString();
            if (fileKey != key) return Stale(log, path, $"built from '{fileKey}', wanted '{key}'");
            int classCount = r.ReadInt32();
            if (classCount is <= 0 or > 1_000_000) return Stale(log, path, $"implausible class count {classCount}");
            var classes = Enumerable.Range(0, classCount).Select(_ => r.ReadString()).ToArray();

            train = ReadSplit(file, r, classes, path);
            if (train is null) return Stale(log, path, "truncated or damaged train split");
            var test = ReadSplit(file, r, classes, path);
            if (test is null) { train.Dispose(); return Stale(log, path, "truncated or damaged test split"); }
            var computed = file.Hash();
            var stored = new byte[computed.Length];
            if (raw.Read(stored) != stored.Length || !ReadExactly(raw, EndMagic.Length).AsSpan().SequenceEqual(EndMagic) || raw.Position != raw.Length)
            {
                train.Dispose();
                test.Dispose();
                return Stale(log, path, "missing end marker (truncated or damaged)");
            }
            if (!computed.AsSpan().SequenceEqual(stored))
            {
                train.Dispose();
                test.Dispose();
                return Stale(log, path, "its contents do not match the SHA-256 recorded when it was written (changed in place)");
            }
            return new DatasetSplits(train, test) { Sha256 = Convert.ToHexStringLower(stored) };
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or ArgumentException)
        {
            train?.Dispose();
            return Stale(log, path, $"unreadable ({e.Message})");
        }
    }

    /// <summary>
    /// The SHA-256 (hex) a complete cache file ends with, without reading the rest: which contents the file holds, for
    /// finding its stored <see cref="DataDigest"/>; null when the file is missing or does not end like a cache file.
    /// The contents are checked against it when the file is read (<see cref="TryRead"/>).
    /// </summary>
    public static string? StoredSha256(string path)
    {
        try
        {
            using var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            const int hashLength = 32;
            if (raw.Length < Magic.Length + hashLength + EndMagic.Length) return null;
            raw.Seek(-(hashLength + EndMagic.Length), SeekOrigin.End);
            var tail = ReadExactly(raw, hashLength + EndMagic.Length);
            if (tail.Length == 0 || !tail.AsSpan(hashLength).SequenceEqual(EndMagic)) return null;
            return Convert.ToHexStringLower(tail.AsSpan(0, hashLength));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    static ImageDataset? ReadSplit(HashingStream file, BinaryReader r, string[] classes, string path)
    {
        var name = r.ReadString();
        int n = r.ReadInt32(), c = r.ReadInt32(), h = r.ReadInt32(), w = r.ReadInt32();
        if (n < 0 || c <= 0 || h <= 0 || w <= 0) return null;
        long needed = n * 8L + (long)n * c * h * w;
        if (file.Remaining < needed) return null;

        using var scope = NewDisposeScope();
        var labels = empty(n, ScalarType.Int64);
        file.ReadExactly(labels.bytes);
        var images = empty([n, c, h, w], ScalarType.Byte);
        for (long start = 0; start < n; start += ChunkImages)
        {
            using var chunk = images.narrow(0, start, Math.Min(ChunkImages, n - start));
            file.ReadExactly(chunk.bytes);
        }
        return new ImageDataset(name, images, labels, classes);
    }

    static DatasetSplits? Stale(TextWriter? log, string path, string why)
    {
        log?.WriteLine($"[data] ignoring cache {path}: {why}; rebuilding");
        return null;
    }

    static byte[] ReadExactly(Stream s, int count)
    {
        var bytes = new byte[count];
        return s.ReadAtLeast(bytes, count, throwOnEndOfStream: false) == count ? bytes : [];
    }

    /// <summary>Passes reads or writes through to a file and feeds every byte to a SHA-256.</summary>
    sealed class HashingStream(Stream inner) : Stream
    {
        readonly IncrementalHash sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        /// <summary>The SHA-256 of the bytes passed so far (the hash then starts over).</summary>
        public byte[] Hash() => sha.GetHashAndReset();

        public long Remaining => inner.Length - inner.Position;

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            sha.AppendData(buffer[..n]);
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            sha.AppendData(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) sha.Dispose();
            base.Dispose(disposing);
        }
    }
}
