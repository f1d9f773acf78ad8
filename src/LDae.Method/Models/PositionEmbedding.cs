using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>Fixed 2-D sin-cos position embedding (MAE/DiT): half the channels encode the row, half the column.</summary>
public static class PositionEmbedding
{
    /// <summary>Returns L×width (L = gridSize²) float32, tokens in row-major order.</summary>
    public static Tensor SinCos2D(int width, int gridSize)
    {
        if (width % 4 != 0) throw new ArgumentException("width must be divisible by 4");
        int quarter = width / 4;
        var table = new float[gridSize * gridSize * width];
        for (int row = 0; row < gridSize; row++)
            for (int col = 0; col < gridSize; col++)
            {
                int offset = (row * gridSize + col) * width;
                for (int i = 0; i < quarter; i++)
                {
                    double omega = 1.0 / Math.Pow(10000, (double)i / quarter);
                    table[offset + i] = (float)Math.Sin(row * omega);
                    table[offset + quarter + i] = (float)Math.Cos(row * omega);
                    table[offset + 2 * quarter + i] = (float)Math.Sin(col * omega);
                    table[offset + 3 * quarter + i] = (float)Math.Cos(col * omega);
                }
            }
        return tensor(table, [gridSize * gridSize, width]);
    }
}
