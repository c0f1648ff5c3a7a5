// tqc_multicycle: the handshake of a unit that works STEPS cycles on each beat (tqc_floordiv,
// tqc_divide). A beat is taken (fire: every operand's ready) when the unit is idle or hands
// its result on in the same cycle; then `step` counts 1..STEPS, one datapath step per cycle
// (run), and at STEPS + 1 the datapath's result r enters the output register as soon as that
// is free (finish), which frees the unit. Beats follow every STEPS + 1 cycles while the output
// is taken.
module tqc_multicycle #(
    parameter STEPS = 9,
    parameter CW = 4,           // bits of the step counter (holds STEPS + 1)
    parameter DW = 32
) (
    input clk,
    input rst,
    input in_valid,             // every operand stream has a beat
    output fire,
    output run,
    output [CW-1:0] step,       // 1..STEPS while run
    input [DW-1:0] r,
    output out_valid,
    input out_ready,
    output [DW-1:0] out_data
);
    localparam integer DONE_I = STEPS + 1;
    localparam [CW-1:0] DONE = DONE_I[CW-1:0];
    reg busy;
    reg [CW-1:0] n;
    reg o_valid;
    reg [DW-1:0] o_data;
    wire finish = busy && n == DONE && (!o_valid || out_ready);
    assign fire = in_valid && (!busy || finish);
    assign run = busy && n != DONE;
    assign step = n;
    assign out_valid = o_valid;
    assign out_data = o_data;
    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            n <= {CW{1'b0}};
            o_valid <= 1'b0;
        end else begin
            if (fire) begin
                busy <= 1'b1;
                n <= {{(CW-1){1'b0}}, 1'b1};
            end else if (finish) busy <= 1'b0;
            else if (run) n <= n + 1'b1;
            if (finish) o_valid <= 1'b1;
            else if (out_ready) o_valid <= 1'b0;
        end
        if (finish) o_data <= r;
    end
endmodule
