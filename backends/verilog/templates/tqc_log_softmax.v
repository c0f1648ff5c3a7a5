// tqc_log_softmax: LOG_SOFTMAX over rows of N 8-bit elements (reference_ops::LogSoftmax /
// LogSoftmaxQuantized; tqc/semantics/log_softmax.py states the arithmetic).
//
// Per row: load the row and its maximum. Pass 1 sums EXP[max - x] over the row, where EXP is a
// 256-entry ROM of RoundingDivideByPOT(exp_on_negative_values(scaled), 12) computed at compile
// time (0 where the difference is below diff_min). Then log_x_for_x_greater_than_or_equal_to_1
// of the sum (Q12.19 -> Q5.26) and the reverse-scaled diff_min run as microcode on one
// SaturatingRoundingDoublingHighMul unit (26 steps). Pass 2 streams out, per element with
// SCALED[max - x] the Q5.26 rescaled difference (a second 256-entry ROM):
//     diff > adjusted_diff_min ? clamp(RoundingDivideByPOT(scaled - log_sum, 22) + OMAX) : OMIN
// Rows hold fewer than 4096 elements (the emitter checks it), so the int32 sum lies in
// [2^19, 2^31 - 2^19]: its count of leading zeros is 1..12, and the shifts by 25 of the
// exponents and their sums with 2^23 below cannot saturate (the reference's saturating forms
// give the same values there).
module tqc_log_softmax #(
    parameter N = 1,            // row length
    parameter NAW = 1,          // address width of the row buffer
    parameter XW = 8,
    parameter XSIGNED = 1,
    parameter signed [31:0] OMIN = -128,
    parameter signed [31:0] OMAX = 127,
    parameter signed [31:0] DIFF_MIN = 0,
    parameter [31:0] DIVISOR = 0,           // reverse_scaling_divisor
    parameter [4:0] RSHIFT = 0,             // reverse_scaling_right_shift
    parameter EXPFILE = "exp.hex",
    parameter SCALEDFILE = "scaled.hex"
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [XW-1:0] in_data,
    output out_valid,
    input out_ready,
    output [XW-1:0] out_data
);
`include "tqc_fixedpoint.vh"
    localparam integer LAST_I = N - 1;
    localparam [NAW-1:0] LAST = LAST_I[NAW-1:0];
    localparam [2:0] S_LOAD = 3'd0, S_SUM = 3'd1, S_DRAIN = 3'd2, S_LOG = 3'd3, S_OUT = 3'd4;
    localparam [31:0] SQRT_HALF = 32'd1518500250, SQRT_SQRT_HALF = 32'd1805811301;
    localparam [31:0] ALPHA_N = 32'd117049297, ALPHA_D = 32'd127690142;
    localparam [31:0] ALPHA_I = 32'd1057819769, ALPHA_F = 32'd638450708, LOG_2 = 32'd1488522236;
    localparam [31:0] DMIN1 = DIFF_MIN - 1;

    reg [2:0] state;
    reg loaded;
    reg [NAW-1:0] wptr, rptr;
    reg [XW-1:0] run_max, row_max;
    reg [31:0] sum;
    reg [4:0] step;
    // microcode registers (names of tqc/semantics/log_softmax.py)
    reg [31:0] rat, ra, zbv, rb, za, zb, r, zp, p, q, cs, t1, t2, num, u, t5, d, hd, x, tt;
    reg [31:0] rd, nsc, t7, ls, rv, adj;
    wire adv;
    reg v1, v2, v3, ph1, ph2;
    wire pipe_empty = !v1 && !v2 && !v3;
    wire issue = (state == S_SUM || state == S_OUT) && adv;

    function greater;  // a > b for XW-bit elements
        input [XW-1:0] a;
        input [XW-1:0] b;
        begin
            if (XSIGNED != 0) greater = $signed(a) > $signed(b);
            else greater = a > b;
        end
    endfunction

    // SaturatingRoundingMultiplyByPOT<e> for e >= 0: a saturating left shift
    function [31:0] sat_shl;
        input [31:0] v;
        input [4:0] e;
        reg [31:0] thr;
        begin
            thr = (32'h7FFFFFFF >> e);
            if ($signed(v) > $signed(thr)) sat_shl = 32'h7FFFFFFF;
            else if ($signed(v) < -$signed(thr)) sat_shl = 32'h80000000;
            else sat_shl = v << e;
        end
    endfunction

    // RoundingHalfSum: (a + b + sign(a + b)) / 2, division towards zero
    function [31:0] half_sum;
        input [31:0] a;
        input [31:0] b;
        reg [33:0] t;
        begin
            t = {{2{a[31]}}, a} + {{2{b[31]}}, b};
            t = t[33] ? t - 34'd1 : t + 34'd1;
            if (t[33]) t = t + 34'd1;           // towards zero
            half_sum = t[32:1];
        end
    endfunction

    function [31:0] smax;
        input [31:0] a;
        input [31:0] b;
        smax = $signed(a) > $signed(b) ? a : b;
    endfunction

    // ---- load -------------------------------------------------------------------------
    wire wr = in_valid && in_ready;
    assign in_ready = state == S_LOAD && !loaded;
    reg [XW-1:0] buffer [0:N-1];
    always @(posedge clk) if (wr) buffer[wptr] <= in_data;

    // ---- the microcode unit: one SRDHM per step ---------------------------------------
    reg [31:0] ma, mb;
    always @(*) begin
        case (step)
            5'd1: begin ma = rat; mb = SQRT_HALF; end
            5'd2: begin ma = sum; mb = SQRT_HALF; end
            5'd6: begin ma = q; mb = q; end
            5'd7: begin ma = q; mb = r; end
            5'd8: begin ma = q; mb = cs; end
            5'd9: begin ma = t2; mb = ALPHA_N; end
            5'd10: begin ma = ALPHA_D; mb = cs; end
            5'd11: begin ma = p; mb = u; end
            5'd12: begin ma = ALPHA_F; mb = q; end
            5'd14: begin ma = hd; mb = 32'hC3C3C3C4; end             // -32/17 in Q2.29
            5'd15, 5'd17, 5'd19: begin ma = hd; mb = x; end
            5'd16, 5'd18, 5'd20: begin ma = x; mb = tt; end
            5'd22: begin ma = zp; mb = LOG_2; end
            5'd23: begin ma = nsc; mb = rd; end
            5'd24: begin ma = ls + 32'h80000000; mb = DIVISOR; end
            default: begin ma = 32'd0; mb = 32'd0; end
        endcase
    end
    wire [63:0] mprod = {{32{ma[31]}}, ma} * {{32{mb[31]}}, mb};
    wire [31:0] m = tqc_mul_high_finish(mprod);
    wire [5:0] ha = tqc_clz32(sum);             // z_a_headroom_plus_1, 1..12
    wire [5:0] hb = tqc_clz32(zbv) - 6'd1;      // z_b_headroom
    wire [31:0] tot = t7 + m;

    // ---- control ----------------------------------------------------------------------
    always @(posedge clk) begin
        if (rst) begin
            state <= S_LOAD;
            loaded <= 1'b0;
            wptr <= {NAW{1'b0}};
            rptr <= {NAW{1'b0}};
            step <= 5'd0;
        end else begin
            if (wr) begin
                run_max <= (wptr == {NAW{1'b0}} || greater(in_data, run_max)) ? in_data : run_max;
                if (wptr == LAST) begin
                    wptr <= {NAW{1'b0}};
                    loaded <= 1'b1;
                end else begin
                    wptr <= wptr + 1'b1;
                end
            end
            case (state)
                S_LOAD: if (loaded && pipe_empty) begin
                    state <= S_SUM;
                    loaded <= 1'b0;
                    row_max <= run_max;
                    rptr <= {NAW{1'b0}};
                end
                S_SUM: if (adv) begin
                    rptr <= rptr == LAST ? {NAW{1'b0}} : rptr + 1'b1;
                    if (rptr == LAST) state <= S_DRAIN;
                end
                S_DRAIN: if (pipe_empty) begin
                    state <= S_LOG;
                    step <= 5'd0;
                end
                S_LOG: begin
                    step <= step + 5'd1;
                    case (step)
                        5'd0: begin
                            rat <= sat_shl(sum, ha[4:0] - 5'd1);
                            za <= ((32'd12 - {26'd0, ha}) << 25) + 32'h00800000;
                        end
                        5'd1: ra <= sat_shl(m, 5'd1);                     // r_a_raw
                        5'd2: zbv <= m;                                    // z_b
                        5'd3: begin
                            rb <= sat_shl(sum, hb[4:0]);                   // r_b_raw
                            zb <= ((32'd12 - {26'd0, hb}) << 25) - 32'h00800000;
                        end
                        5'd4: begin
                            r <= $signed(ra) < $signed(rb) ? ra : rb;
                            zp <= smax(za, zb);                            // z_pow_2_adj
                        end
                        5'd5: begin
                            p <= half_sum(r, SQRT_SQRT_HALF);
                            q <= (r - SQRT_SQRT_HALF) << 1;
                        end
                        5'd6: cs <= m;                                     // common_sq
                        5'd7: t1 <= m;
                        5'd8: t2 <= m;
                        5'd9: num <= t1 + m;
                        5'd10: u <= ALPHA_I + q + m;
                        5'd11: t5 <= m;
                        5'd12: d <= t5 + m;                                // denom_minus_one_0
                        5'd13: hd <= half_sum(d, 32'h7FFFFFFF);            // half_denominator
                        5'd14: x <= 32'd1515870810 + m;                    // 48/17 + ...
                        5'd15, 5'd17, 5'd19: tt <= 32'h20000000 - m;       // 1 - d*x
                        5'd16, 5'd18, 5'd20: x <= x + sat_shl(m, 5'd2);    // x + x*(1 - d*x)
                        5'd21: begin
                            rd <= sat_shl(x, 5'd1);                        // recip_denom
                            nsc <= tqc_shift_right_round(num, 5'd6);       // num_scaled
                        end
                        5'd22: t7 <= m;
                        5'd23: ls <= sat_shl(tot, 5'd1);                   // log_sum, Q5.26
                        5'd24: rv <= m;
                        default: begin
                            adj <= smax(DMIN1, tqc_shift_right_round(rv, RSHIFT));
                            state <= S_OUT;
                            rptr <= {NAW{1'b0}};
                        end
                    endcase
                end
                S_OUT: if (adv) begin
                    rptr <= rptr == LAST ? {NAW{1'b0}} : rptr + 1'b1;
                    if (rptr == LAST) state <= S_LOAD;
                end
                default: state <= S_LOAD;
            endcase
        end
    end

    // ---- the element pipeline (pass 1: ph = 0, pass 2: ph = 1) -------------------------
    reg [XW-1:0] xq;
    reg [31:0] exp_rom [0:255];
    reg [31:0] scaled_rom [0:255];
    reg [31:0] eq, sq;
    reg gt2;
    reg [XW-1:0] o3;
    initial $readmemh(EXPFILE, exp_rom);
    initial $readmemh(SCALEDFILE, scaled_rom);
    wire [XW-1:0] idx = row_max - xq;                   // -diff, 0..255
    wire [31:0] diff = 32'd0 - {{(32-XW){1'b0}}, idx};
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] shifted = tqc_shift_right_round(sq - ls, 5'd22);
    wire [31:0] result = gt2 ? tqc_clamp(shifted + OMAX, OMIN, OMAX) : OMIN;
    /* verilator lint_on UNUSEDSIGNAL */
    assign adv = !v3 || out_ready;

    always @(posedge clk) begin
        if (rst) begin
            v1 <= 1'b0;
            v2 <= 1'b0;
            v3 <= 1'b0;
            sum <= 32'd0;
        end else if (adv) begin
            v1 <= issue;
            v2 <= v1;
            v3 <= v2 && ph2;
            if (state == S_LOAD && loaded && pipe_empty) sum <= 32'd0;
            else if (v2 && !ph2) sum <= sum + eq;
        end
    end
    always @(posedge clk) begin
        if (adv) begin
            ph1 <= state == S_OUT;
            xq <= buffer[rptr];
            ph2 <= ph1;
            eq <= exp_rom[idx[7:0]];
            sq <= scaled_rom[idx[7:0]];
            gt2 <= $signed(diff) > $signed(adj);
            o3 <= result[XW-1:0];
        end
    end
    assign out_valid = v3;
    assign out_data = o3;
endmodule
