// tqc_l2norm: L2_NORMALIZATION over rows of N 8-bit elements (reference_integer_ops::
// L2Normalization for int8, the legacy reference_ops::L2Normalization for uint8;
// tqc/semantics/l2_norm.py states the arithmetic).
//
// Per row: load the row, summing acc = sum (x - ZP)^2 (int32); then
// GetInvSqrtQuantizedMultiplierExp(acc) as microcode on one SaturatingRoundingDoublingHighMul
// unit (normalise by pairs of bits, five Newton-Raphson steps of 1/sqrt in Q3.28, times
// sqrt(2)/2; 27 steps) gives the multiplier M and right shift R; then per element, with
// v = x - ZP:
//     int8:  clamp(RoundingDivideByPOT(SRDHM(v << LS, M), RS), -128, 127),
//            LS = max(7 - R, 0), RS = max(R - 7, 0)   (MultiplyByQuantizedMultiplier, 7 - R)
//     uint8: clamp(128 + RoundingDivideByPOT(SRDHM(128 v, M), R), 0, 255)
// Rows hold at most 33025 elements (the emitter checks it), so acc never wraps (>= 0).
module tqc_l2norm #(
    parameter N = 1,            // row length
    parameter NAW = 1,          // address width of the row buffer
    parameter XW = 8,
    parameter XSIGNED = 1,
    parameter signed [31:0] ZP = 0,         // input zero point
    parameter UINT8 = 0,                    // the legacy uint8 kernel
    parameter signed [31:0] OZP = 0,        // output zero point (0 or 128)
    parameter signed [31:0] OMIN = -128,
    parameter signed [31:0] OMAX = 127
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
    localparam [1:0] S_LOAD = 2'd0, S_SQRT = 2'd1, S_OUT = 2'd2;
    localparam [31:0] HALF_THREE = 32'h18000000, HALF_SQRT_2 = 32'd1518500250;

    reg [1:0] state;
    reg loaded;
    reg [NAW-1:0] wptr, rptr;
    reg [31:0] acc, value, hi, xr, a, b, c, mult;
    reg [7:0] shift;            // signed, -2..13
    reg tiny;
    reg [4:0] step;
    reg [4:0] ls, rs;
    wire adv;
    reg v1, v2, v3;
    wire pipe_empty = !v1 && !v2 && !v3;
    wire issue = state == S_OUT && adv;

    function [31:0] ext;  // an element as a signed 32-bit value
        input [XW-1:0] e;
        ext = {{(32-XW){XSIGNED != 0 && e[XW-1]}}, e};
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

    // ---- load: the row and its sum of squares -------------------------------------------
    wire wr = in_valid && in_ready;
    assign in_ready = state == S_LOAD && !loaded;
    reg [XW-1:0] buffer [0:N-1];
    always @(posedge clk) if (wr) buffer[wptr] <= in_data;
    wire [31:0] vin = ext(in_data) - ZP;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [63:0] sq = {{32{vin[31]}}, vin} * {{32{vin[31]}}, vin};
    /* verilator lint_on UNUSEDSIGNAL */

    // ---- the microcode unit: one SRDHM per step ---------------------------------------
    // steps 5 + 4i .. 8 + 4i: iteration i of x <- Rescale<3>(1.5 x - (acc/2) x^3)
    reg [31:0] ma, mb;
    always @(*) begin
        if (step >= 5'd5 && step < 5'd25) begin
            case (step[1:0])
                2'd1: begin ma = xr; mb = xr; end          // a = x*x
                2'd2: begin ma = a; mb = xr; end           // b = a*x, x3 = Rescale<6>(b)
                2'd3: begin ma = HALF_THREE; mb = xr; end  // c = 1.5 x
                default: begin ma = hi; mb = b; end        // (acc/2) x3
            endcase
        end else begin
            ma = xr;
            mb = HALF_SQRT_2;
        end
    end
    wire [63:0] mprod = {{32{ma[31]}}, ma} * {{32{mb[31]}}, mb};
    wire [31:0] m = tqc_mul_high_finish(mprod);
    /* verilator lint_off UNUSEDSIGNAL */
    wire [5:0] lz = tqc_clz32(value);                       // 3..30 for value in [2, 2^29)
    wire [7:0] neg = 8'd0 - shift;                          // 1..2 where shift < 0
    /* verilator lint_on UNUSEDSIGNAL */
    wire [4:0] pairs = (lz[4:0] - 5'd1) / 5'd2 - 5'd1;     // 0..13

    // ---- control ----------------------------------------------------------------------
    always @(posedge clk) begin
        if (rst) begin
            state <= S_LOAD;
            loaded <= 1'b0;
            wptr <= {NAW{1'b0}};
            rptr <= {NAW{1'b0}};
            step <= 5'd0;
            acc <= 32'd0;
        end else begin
            if (wr) begin
                acc <= (wptr == {NAW{1'b0}} ? 32'd0 : acc) + sq[31:0];
                if (wptr == LAST) begin
                    wptr <= {NAW{1'b0}};
                    loaded <= 1'b1;
                end else begin
                    wptr <= wptr + 1'b1;
                end
            end
            case (state)
                S_LOAD: if (loaded && pipe_empty) begin
                    state <= S_SQRT;
                    loaded <= 1'b0;
                    step <= 5'd0;
                end
                S_SQRT: begin
                    step <= step + 5'd1;
                    case (step)
                        5'd0: begin
                            tiny <= $signed(acc) <= 32'sd1;
                            value <= $signed(acc) <= 32'sd1 ? 32'd2 : acc;
                            shift <= 8'd11;
                        end
                        5'd1, 5'd2: if (value >= 32'h20000000) begin
                            value <= value >> 2;
                            shift <= shift + 8'd1;
                        end
                        5'd3: begin
                            shift <= shift - {3'd0, pairs};
                            value <= value << {pairs, 1'b0};
                        end
                        5'd4: begin
                            hi <= tqc_shift_right_round(value >> 1, 5'd1);
                            xr <= 32'h10000000;
                        end
                        5'd25: xr <= m;                              // x * sqrt(2)/2
                        5'd26: begin
                            if (tiny) begin
                                mult <= 32'h7FFFFFFF;
                            end else if (shift[7]) begin
                                mult <= xr << neg[4:0];              // int32 wrap
                            end else begin
                                mult <= xr;
                            end
                            // R = max(shift, 0) (0 when tiny), then the output shifts
                            if (tiny || shift[7]) begin
                                ls <= 5'd7;
                                rs <= 5'd0;
                            end else if (UINT8 != 0) begin
                                ls <= 5'd7;
                                rs <= shift[4:0];
                            end else if (shift <= 8'd7) begin
                                ls <= 5'd7 - shift[4:0];
                                rs <= 5'd0;
                            end else begin
                                ls <= 5'd0;
                                rs <= shift[4:0] - 5'd7;
                            end
                            state <= S_OUT;
                            rptr <= {NAW{1'b0}};
                        end
                        default: case (step[1:0])
                            2'd1: a <= m;
                            2'd2: b <= sat_shl(m, 5'd6);
                            2'd3: c <= m;
                            default: xr <= sat_shl(c - m, 5'd3);
                        endcase
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

    // ---- the output pipeline ----------------------------------------------------------
    reg [XW-1:0] xq;
    reg [63:0] p2;
    reg [XW-1:0] o3;
    wire [31:0] v = ext(xq) - ZP;
    wire [31:0] vs = v << ls;
    /* verilator lint_off UNUSEDSIGNAL */
    wire [31:0] shifted = tqc_shift_right_round(tqc_mul_high_finish(p2), rs);
    wire [31:0] result = tqc_clamp(shifted + OZP, OMIN, OMAX);
    /* verilator lint_on UNUSEDSIGNAL */
    assign adv = !v3 || out_ready;

    always @(posedge clk) begin
        if (rst) begin
            v1 <= 1'b0;
            v2 <= 1'b0;
            v3 <= 1'b0;
        end else if (adv) begin
            v1 <= issue;
            v2 <= v1;
            v3 <= v2;
        end
    end
    always @(posedge clk) begin
        if (adv) begin
            xq <= buffer[rptr];
            p2 <= {{32{vs[31]}}, vs} * {{32{mult[31]}}, mult};
            o3 <= result[XW-1:0];
        end
    end
    assign out_valid = v3;
    assign out_data = o3;
endmodule
