// tqc_softmax: SOFTMAX over rows of N 8-bit elements (reference_ops::Softmax, gemmlowp).
//
// Per row: load the row and its maximum; pass 1 sums RoundingDivideByPOT(e, 12) over the row,
// where e = EXP[max - x] is the Q0.31 exponential of the rescaled difference, read from a
// 256-entry ROM computed at compile time (0 where the difference is below diff_min); then
// GetReciprocal(sum, 12) runs as microcode on one SaturatingRoundingDoublingHighMul unit
// (count leading zeros, one_over_one_plus_x_for_x_in_0_1: three Newton-Raphson steps);
// pass 2 streams out clamp(RoundingDivideByPOT(SRDHM(recip, e), nbou + 31 - OW) + OMIN).
// The reference aborts when that exponent exceeds 31 (a row sum >= 2^(OW+1)); so is this
// design's result undefined there.
module tqc_softmax #(
    parameter N = 1,            // row length
    parameter NAW = 1,          // address width of the row buffer
    parameter XW = 8,
    parameter XSIGNED = 1,
    parameter OW = 8,           // output width
    parameter signed [31:0] OMIN = -128,
    parameter signed [31:0] OMAX = 127,
    parameter EXPFILE = "exp.hex"
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [XW-1:0] in_data,
    output out_valid,
    input out_ready,
    output [OW-1:0] out_data
);
`include "tqc_fixedpoint.vh"
    localparam integer LAST_I = N - 1;
    localparam [NAW-1:0] LAST = LAST_I[NAW-1:0];
    localparam [2:0] S_LOAD = 3'd0, S_SUM = 3'd1, S_DRAIN = 3'd2, S_RECIP = 3'd3, S_OUT = 3'd4;

    reg [2:0] state;
    reg loaded;
    reg [NAW-1:0] wptr, rptr;
    reg [XW-1:0] run_max, row_max;
    reg [31:0] sum, hd, xr, tr, recip;
    reg [3:0] step;
    /* verilator lint_off UNUSEDSIGNAL */
    reg [5:0] exponent;         // bit 5 set: the reference aborts
    /* verilator lint_on UNUSEDSIGNAL */
    wire adv;
    reg v1, v2, v3, v4, ph1, ph2;
    wire pipe_empty = !v1 && !v2 && !v3 && !v4;
    wire issue = (state == S_SUM || state == S_OUT) && adv;

    function greater;  // a > b for XW-bit elements
        input [XW-1:0] a;
        input [XW-1:0] b;
        begin
            if (XSIGNED != 0) greater = $signed(a) > $signed(b);
            else greater = a > b;
        end
    endfunction

    // SaturatingRoundingMultiplyByPOT<e> for e = 1, 2: a saturating left shift
    function [31:0] sat_shl;
        input [31:0] x;
        input [1:0] e;
        reg [31:0] thr;
        begin
            thr = (32'h7FFFFFFF >> e);
            if ($signed(x) > $signed(thr)) sat_shl = 32'h7FFFFFFF;
            else if ($signed(x) < -$signed(thr)) sat_shl = 32'h80000000;
            else sat_shl = x << e;
        end
    endfunction

    // ---- load -------------------------------------------------------------------------
    wire wr = in_valid && in_ready;
    assign in_ready = state == S_LOAD && !loaded;
    reg [XW-1:0] buffer [0:N-1];
    always @(posedge clk) if (wr) buffer[wptr] <= in_data;

    // ---- the reciprocal unit: one SRDHM per step --------------------------------------
    reg [31:0] ma, mb;
    always @(*) begin
        case (step)
            4'd1: begin ma = hd; mb = 32'hC3C3C3C4; end         // -32/17 in Q2.29
            4'd2, 4'd4, 4'd6: begin ma = hd; mb = xr; end
            default: begin ma = xr; mb = tr; end
        endcase
    end
    wire [63:0] mprod = {{32{ma[31]}}, ma} * {{32{mb[31]}}, mb};
    wire [31:0] srdhm = tqc_mul_high_finish(mprod);
    wire [5:0] lz = tqc_clz32(sum);
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] shifted = sum << lz[4:0];
    /* verilator lint_on UNUSEDSIGNAL */

    // ---- control ----------------------------------------------------------------------
    always @(posedge clk) begin
        if (rst) begin
            state <= S_LOAD;
            loaded <= 1'b0;
            wptr <= {NAW{1'b0}};
            rptr <= {NAW{1'b0}};
            step <= 4'd0;
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
                    state <= S_RECIP;
                    step <= 4'd0;
                end
                S_RECIP: begin
                    step <= step + 4'd1;
                    case (step)
                        4'd0: begin  // GetReciprocal: normalise, half denominator, exponent
                            hd <= {2'b01, shifted[30:1]};
                            exponent <= 6'd43 - OW[5:0] - lz;
                        end
                        4'd1: xr <= 32'd1515870810 + srdhm;                  // 48/17 + ...
                        4'd2, 4'd4, 4'd6: tr <= 32'h20000000 - srdhm;       // 1 - d*x
                        4'd3, 4'd5, 4'd7: xr <= xr + sat_shl(srdhm, 2'd2);  // x + x*(1 - d*x)
                        default: begin
                            recip <= sat_shl(xr, 2'd1);
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
    reg [31:0] eq;
    reg [63:0] p3;
    reg [OW-1:0] o4;
    initial $readmemh(EXPFILE, exp_rom);
    wire [XW-1:0] diff = row_max - xq;
    wire [31:0] e12 = tqc_shift_right_round(eq, 5'd12);
    wire [31:0] scaled = tqc_shift_right_round(tqc_mul_high_finish(p3), exponent[4:0]);
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] result = tqc_clamp(scaled + OMIN, OMIN, OMAX);
    /* verilator lint_on UNUSEDSIGNAL */
    assign adv = !v4 || out_ready;

    always @(posedge clk) begin
        if (rst) begin
            v1 <= 1'b0;
            v2 <= 1'b0;
            v3 <= 1'b0;
            v4 <= 1'b0;
            sum <= 32'd0;
        end else if (adv) begin
            v1 <= issue;
            v2 <= v1;
            v3 <= v2 && ph2;
            v4 <= v3;
            if (state == S_LOAD && loaded && pipe_empty) sum <= 32'd0;
            else if (v2 && !ph2) sum <= sum + e12;
        end
    end
    always @(posedge clk) begin
        if (adv) begin
            ph1 <= state == S_OUT;
            xq <= buffer[rptr];
            ph2 <= ph1;
            eq <= exp_rom[diff[7:0]];
            p3 <= {{32{eq[31]}}, eq} * {{32{recip[31]}}, recip};
            o4 <= result[OW-1:0];
        end
    end
    assign out_valid = v4;
    assign out_data = o4;
endmodule
