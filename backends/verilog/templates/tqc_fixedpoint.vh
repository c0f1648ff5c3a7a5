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

// static_cast<int32_t>(round((double)x * scale)) with integers only (tqi.mul_round_double,
// LiteRT BUILTIN_REF's float-scale FULLY_CONNECTED: legacy uint8 with an int32 x, int16 with an
// int64 accumulator below 2^53), scale = m * 2^e exactly (m odd, |m| < 2^53), in two steps after
// the exact signed product p = x * m (107 bits).
// First, the double product: |p| rounded to 53 significant bits, ties to even, as
// {sign, k, q}: |p| ~ q * 2^k, k = max(bitlen(|p|) - 53, 0) in 0..53, q <= 2^53.
function [60:0] tqc_round_double_53;
    input [106:0] p;
    reg [106:0] mag, mask, half, rem;
    /* verilator lint_off UNUSEDSIGNAL */
    reg [106:0] shifted;  // below 2^54
    /* verilator lint_on UNUSEDSIGNAL */
    reg [5:0] k;
    reg [6:0] j;
    reg [53:0] q;
    begin
        mag = p[106] ? 107'd0 - p : p;
        k = 6'd0;
        for (j = 7'd0; j < 7'd53; j = j + 7'd1)
            if (mag[7'd53 + j]) k = j[5:0] + 6'd1;
        mask = (107'd1 << k) - 107'd1;
        half = mask - (mask >> 1);
        rem = mag & mask;
        shifted = mag >> k;
        q = shifted[53:0];
        if (k != 6'd0 && (rem > half || (rem == half && q[0]))) q = q + 54'd1;
        tqc_round_double_53 = {p[106], k, q};
    end
endfunction

// Second, round() half away from zero on the magnitude: R = q * 2^s, s = k + e, rounded half
// up when s < 0 (e clamped to [-109, 31] at compile time, which changes no result); then the
// out-of-int32 cast: R >= 2^31 gives INT32_MIN (x86), else the signed R.
function [31:0] tqc_round_double_finish;
    input [60:0] v;
    input [7:0] e;
    reg [8:0] s, n;
    reg [53:0] q;
    reg [55:0] t;
    reg [55:0] r;
    reg over;
    begin
        q = v[53:0];
        s = {3'd0, v[59:54]} + {e[7], e};
        n = 9'd0 - s;
        if (!s[8]) begin
            over = q != 54'd0 && (s >= 9'd31 || (q >> (9'd31 - s)) != 54'd0);
            r = {2'd0, q} << s;
        end else if (n > 9'd55) begin
            over = 1'b0;
            r = 56'd0;
        end else begin
            t = {2'd0, q} + (56'd1 << (n - 9'd1));
            r = t >> n;
            over = r[55:31] != 25'd0;
        end
        if (over) tqc_round_double_finish = 32'h80000000;
        else tqc_round_double_finish = v[60] ? 32'd0 - r[31:0] : r[31:0];
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

// Leading zeros of a 32-bit word (32 for zero): the headroom of GetReciprocal's sum.
function [5:0] tqc_clz32;
    input [31:0] x;
    integer i;
    reg found;
    begin
        tqc_clz32 = 6'd32;
        found = 1'b0;
        for (i = 31; i >= 0; i = i - 1) begin
            if (!found && x[i]) begin
                tqc_clz32 = 6'd31 - i[5:0];
                found = 1'b1;
            end
        end
    end
endfunction
