using System.Buffers.Binary;

namespace LDae.Data;

/// <summary>
/// The IDX format of (Fashion-)MNIST: a 4-byte magic <c>00 00 TT DD</c> (TT = element type, 0x08 = uint8;
/// DD = number of dimensions), DD big-endian int32 sizes, then the elements in row-major order.
/// Files may be gzipped (detected from the gzip magic, not the name).
/// </summary>
public static class IdxFile
{
    const byte UInt8Type = 0x08;

    /// <summary>Reads a uint8 IDX file with <paramref name="expectedDims"/> dimensions; checks magic and exact size.</summary>
    public static (int[] Shape, byte[] Data) ReadUInt8(string path, int expectedDims)
    {
        if (!File.Exists(path)) throw new DatasetException(path, "file not found");
        try
        {
            using var stream = ArchiveStreams.OpenMaybeGzip(path);

            Span<byte> magic = stackalloc byte[4];
            ReadExactly(stream, magic, path, "the 4-byte IDX magic");
            uint magicValue = BinaryPrimitives.ReadUInt32BigEndian(magic);
            uint expected = (uint)(UInt8Type << 8 | expectedDims);
            if (magicValue != expected)
                throw new DatasetException(path, $"bad IDX magic 0x{magicValue:x8} (expected 0x{expected:x8}: uint8, {expectedDims} dimension{(expectedDims == 1 ? "" : "s")})");

            var shape = new int[expectedDims];
            Span<byte> size = stackalloc byte[4];
            long total = 1;
            for (int d = 0; d < expectedDims; d++)
            {
                ReadExactly(stream, size, path, "the IDX header");
                shape[d] = BinaryPrimitives.ReadInt32BigEndian(size);
                if (shape[d] < 0) throw new DatasetException(path, $"negative IDX dimension {shape[d]}");
                total *= shape[d];
            }
            if (total > Array.MaxLength) throw new DatasetException(path, $"IDX shape [{string.Join(",", shape)}] is too large");

            var data = new byte[total];
            ReadExactly(stream, data, path, $"{total} data bytes for shape [{string.Join(",", shape)}]");
            if (stream.ReadByte() != -1)
                throw new DatasetException(path, $"size mismatch: more data than the header's shape [{string.Join(",", shape)}] announces");
            return (shape, data);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException(path, $"corrupt gzip stream ({e.Message})", e);
        }
    }

    static void ReadExactly(Stream stream, Span<byte> buffer, string path, string what)
    {
        int got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (got < buffer.Length)
            throw new DatasetException(path, $"truncated: expected {what}, the stream ended after {got} of {buffer.Length} bytes");
    }
}
