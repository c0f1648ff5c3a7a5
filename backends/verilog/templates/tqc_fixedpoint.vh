// Fixed-point steps of the TFLite reference kernels (gemmlowp / lite/kernels/internal/common.h),
// as Verilog-2001 functions on two's complement values. Included inside generated modules.

// SaturatingRoundingDoublingHighMul, second half: from the exact 64-bit product a*b,
// (a*b + nudge) / 2^31 with C division (towards zero), nudge = 2^30 or 1 - 2^30 by sign;
// the one overflow case a == b == INT32_MIN (product 2^62) saturates to INT32_MAX.
function [31:0] tqc_mul_high_finish;
    input [63:0] ab;
    reg [63:0] t;
    begin
        t = ab + (ab[63] ? 64'hFFFFFFFFC0000001 : 64'h0000000040000000);
        if (t[63]) t = t + 64'h000000007FFFFFFF;
        tqc_mul_high_finish = (ab == 64'h4000000000000000) ? 32'h7FFFFFFF : t[62:31];
    end
endfunction

// RoundingDivideByPOT: x / 2^n rounded to nearest, ties away from zero (0 <= n <= 31).
function [31:0] tqc_shift_right_round;
    input [31:0] x;
    input [4:0] n;
    reg [31:0] mask, rem, thr, shifted;
    begin
        mask = (32'd1 << n) - 32'd1;
        rem = x & mask;
        thr = (mask >> 1) + {31'd0, x[31]};
        shifted = $unsigned($signed(x) >>> n);
        tqc_shift_right_round = shifted + {31'd0, rem > thr};
    end
endfunction

// Single rounding, second half: (p + 2^(30-s)) >> (31-s) on the exact 64-bit product
// p = x*m, total shift ts = 31 - s in 1..62; the low 32 bits.
function [31:0] tqc_mul_shift_round_finish;
    input [63:0] p;
    input [5:0] ts;
    reg [63:0] t;
    begin
        t = p + (64'd1 << (ts - 6'd1));
        t = $unsigned($signed(t) >>> ts);
        tqc_mul_shift_round_finish = t[31:0];
    end
endfunction

// The same, with a result outside int32 turned into INT32_MIN (legacy uint8 FULLY_CONNECTED).
function [31:0] tqc_mul_shift_round_finish_min;
    input [63:0] p;
    input [5:0] ts;
    reg [63:0] t;
    begin
        t = p + (64'd1 << (ts - 6'd1));
        t = $unsigned($signed(t) >>> ts);
        if (t[63:31] == {33{1'b0}} || t[63:31] == {33{1'b1}}) tqc_mul_shift_round_finish_min = t[31:0];
        else tqc_mul_shift_round_finish_min = 32'h80000000;
    end
endfunction

// Signed clamp to [lo, hi].
function [31:0] tqc_clamp;
    input [31:0] x;
    input [31:0] lo;
    input [31:0] hi;
    begin
        if ($signed(x) < $signed(lo)) tqc_clamp = lo;
        else if ($signed(x) > $signed(hi)) tqc_clamp = hi;
        else tqc_clamp = x;
    end
endfunction
